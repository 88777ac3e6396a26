import QtQuick
import QtQuick.Controls
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings

// The on-screen keyboard. Main.qml loads it after the first frame (it costs about as much
// to create and draw as the sign-in screen itself), so it is in its own file: the keyboard
// module is imported only then.
InputPanel {
    id: panel
    objectName: "inputPanel"
    readonly property var win: ApplicationWindow.window
    // A narrower panel is also a lower one: the form stays in sight at 1366×768.
    width: win ? Math.min(win.width, 1060) : 1060
    x: win ? (win.width - width) / 2 : 0
    // In the window's overlay (Main.qml), which covers the header too.
    y: active ? win.height - height : (win ? win.height : 0)
    Behavior on y { NumberAnimation { duration: 150 } }

    Component.onCompleted: {
        // Vietnamese first (Telex-style diacritics on the keyboard), English second.
        VirtualKeyboardSettings.activeLocales = ["vi_VN", "en_US"]
        VirtualKeyboardSettings.locale = "vi_VN"
    }
}
