import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
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

    // Set from Python after the first frame (kiosk.ui.app.after_first_frame): then the
    // on-screen keyboard is made, a little per frame, while the sign-in screen is shown.
    property bool keyboardWanted: false
    readonly property bool keyboardActive: keyboard.item ? keyboard.item.active : false
    // Where the keys begin (window coordinates, as in the overlay): dialogs and messages
    // keep above it.
    readonly property real keyboardTop: keyboardActive ? height - keyboard.item.height : height

    readonly property var screens: ({
        "signin": "SignIn.qml", "home": "Home.qml", "intake": "Intake.qml",
        "return": "Return.qml", "lookup": "Lookup.qml", "detail": "Detail.qml",
        "settings": "Settings.qml", "reports": "Reports.qml", "certify": "Certify.qml",
        "incoming": "Incoming.qml"
    })

    header: TopBar { visible: app.signedIn }

    Loader {
        id: screenLoader
        anchors.fill: parent
        anchors.bottomMargin: win.keyboardActive ? keyboard.item.height : 0
        source: win.screens[app.screen] || "Home.qml"
        objectName: "screenLoader"
    }

    // In the overlay, so that a message about a dialog shows above that dialog (and the
    // keyboard, which it keeps clear of).
    Toast { id: toast; parent: Overlay.overlay; z: 3000 }

    PinPad { }

    // Leaving a screen with work in progress (an intake with data): asked, never silent.
    TouchDialog {
        id: leaveAsk
        objectName: "leaveConfirm"
        visible: app.leaveQuestion !== ""
        closePolicy: Popup.NoAutoClose
        Label { text: app.lang, app.t("Rời màn hình này?"); font.bold: true; font.pixelSize: theme.title - 4 }
        Label { objectName: "leaveQuestion"; text: app.leaveQuestion; wrapMode: Text.Wrap; Layout.fillWidth: true }
        buttons: [
            BigButton { objectName: "leaveYes"; text: app.lang, app.t("Rời đi"); tint: theme.primary
                        Layout.fillWidth: true; onClicked: app.confirmLeave() },
            BigButton { objectName: "leaveStay"; text: app.lang, app.t("Ở lại"); tint: theme.muted
                        Layout.fillWidth: true; onClicked: app.stayHere() }
        ]
    }

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
        if (!item || !win.keyboardActive) return
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

    // In the overlay, above every dialog: a dialog's field needs the keys as much as a
    // screen's does (the dialogs move up above them, parts/TouchDialog.qml).
    Loader {
        id: keyboard
        objectName: "keyboardLoader"
        parent: Overlay.overlay
        z: 2000
        active: win.keyboardWanted
        asynchronous: true
        source: "parts/Keyboard.qml"
        Connections {
            target: keyboard.item
            function onActiveChanged() { revealFocusTimer.restart() }
        }
    }

    Connections {
        target: app
        function onMessage(text, kind) {
            toast.show(text, kind, app.messageCause, kind === "error" && app.isAdmin ? app.errorDetail : "")
        }
        function onMessageResolved(cause) { toast.resolved(cause) }
    }
}
