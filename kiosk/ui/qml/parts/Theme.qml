import QtQuick

QtObject {
    readonly property color primary: "#0b4f8a"
    readonly property color primaryDark: "#083b68"
    readonly property color accent: "#c8102e"
    readonly property color ok: "#1b7f3b"
    readonly property color warn: "#b26a00"
    readonly property color danger: "#b3261e"
    readonly property color page: "#eef2f6"
    readonly property color card: "#ffffff"
    readonly property color line: "#d0d7de"
    readonly property color muted: "#5b6570"
    readonly property color ink: "#1c2329"
    readonly property int text: 18
    readonly property int small: 15
    readonly property int title: 26
    readonly property int huge: 40
    // Touch targets: at least 9 mm; 64 px is 9 mm on a 180 dpi panel and larger on others.
    readonly property int touch: 64
    readonly property int gap: 16
    readonly property int radius: 10
}
