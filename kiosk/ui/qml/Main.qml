import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings
import "parts"

ApplicationWindow {
    id: win
    width: 1366
    height: 768
    visible: true
    title: "Tiếp nhận và Trả kết quả"
    color: theme.page
    font.family: appFontFamily
    font.pixelSize: theme.text

    Theme { id: theme }

    Component.onCompleted: {
        // Vietnamese first (Telex-style diacritics on the keyboard), English second.
        VirtualKeyboardSettings.activeLocales = ["vi_VN", "en_US"]
        VirtualKeyboardSettings.locale = "vi_VN"
    }

    readonly property var screens: ({
        "signin": "SignIn.qml", "home": "Home.qml", "intake": "Intake.qml",
        "return": "Return.qml", "lookup": "Lookup.qml", "detail": "Detail.qml",
        "settings": "Settings.qml", "reports": "Reports.qml"
    })

    header: TopBar { visible: app.signedIn }

    Loader {
        id: screenLoader
        anchors.fill: parent
        anchors.bottomMargin: inputPanel.active ? inputPanel.height : 0
        source: win.screens[app.screen] || "Home.qml"
        objectName: "screenLoader"
    }

    // In the overlay, so that a message about a dialog shows above that dialog.
    Toast { id: toast; parent: Overlay.overlay; z: 1000
            y: (win.header && win.header.visible ? win.header.height : 0) + 8 }

    PinPad { }

    Rectangle {
        anchors.fill: parent
        visible: app.busy
        color: "#66000000"
        z: 40
        BusyIndicator { anchors.centerIn: parent; running: app.busy; width: 96; height: 96 }
        MouseArea { anchors.fill: parent }
    }

    // Keep the field being typed into above the keyboard.
    function revealFocus() {
        var item = win.activeFocusItem
        if (!item || !inputPanel.active) return
        for (var p = item.parent; p; p = p.parent) {
            if (p.contentY !== undefined && p.contentHeight !== undefined && p.height > 0) {
                var pos = item.mapToItem(p.contentItem, 0, 0)
                var bottom = pos.y + item.height + 16
                if (bottom > p.contentY + p.height) p.contentY = Math.min(bottom - p.height, Math.max(0, p.contentHeight - p.height))
                else if (pos.y < p.contentY) p.contentY = Math.max(0, pos.y - 16)
                return
            }
        }
    }
    onActiveFocusItemChanged: revealFocusTimer.restart()
    Timer { id: revealFocusTimer; interval: 200; onTriggered: win.revealFocus() }

    InputPanel {
        id: inputPanel
        objectName: "inputPanel"
        z: 99
        onActiveChanged: revealFocusTimer.restart()
        // A narrower panel is also a lower one: the form stays in sight at 1366×768.
        width: Math.min(win.width, 1060)
        x: (win.width - width) / 2
        y: active ? win.height - height - (win.header && win.header.visible ? win.header.height : 0)
                  : win.height
        Behavior on y { NumberAnimation { duration: 150 } }
    }

    Connections {
        target: app
        function onMessage(text, kind) { toast.show(text, kind) }
    }
}
