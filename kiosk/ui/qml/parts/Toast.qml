import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A message for a few seconds, placed where it covers neither the field being typed into
// nor the on-screen keyboard: under the header, else above the keys or beside that field. It
// takes every touch that lands on it (none reaches what is under it) and its buttons never
// take the focus, so the field keeps its keyboard. A message with a cause (AppModel.resolve)
// stays while the cause does and leaves as soon as it is gone: no timer hides what is still
// true, and nothing stale stays.
Rectangle {
    id: toast
    objectName: "toast"
    property string text: ""
    property string kind: "info"
    property string detail: ""
    property string cause: ""
    // How the last message left: "timer", "close", "cause" (for tests and the log).
    property string dismissedBy: ""
    readonly property var win: ApplicationWindow.window
    // The clerk's window translates through `app`, the citizen's through `citizen`.
    readonly property var words: typeof app !== "undefined" ? app : citizen
    width: Math.min(parent.width - 48, row.implicitWidth + 32)
    height: Math.max(56, row.implicitHeight + 16)
    radius: theme.radius
    x: Math.round((parent.width - width) / 2)
    y: 8
    visible: opacity > 0
    opacity: 0
    color: kind === "error" ? theme.danger : (kind === "ok" ? theme.ok : theme.primaryDark)
    Behavior on opacity { NumberAnimation { duration: 200 } }

    function show(text, kind, cause, detail) {
        toast.text = text; toast.kind = kind; toast.cause = cause || ""
        toast.detail = detail || ""
        toast.dismissedBy = ""
        toast.opacity = 1
        timer.interval = kind === "error" ? 9000 : 3500
        if (toast.cause === "") timer.restart()
        else timer.stop()
        place()
    }
    function hide(how) {
        if (toast.opacity === 0) return
        toast.dismissedBy = how
        toast.opacity = 0
        timer.stop()
    }
    function resolved(what) {
        if (toast.cause === "" || toast.opacity === 0) return
        if (what === toast.cause || (what.endsWith(".*") && toast.cause.startsWith(what.slice(0, -1))))
            hide("cause")
    }

    function within(item) {
        for (var p = item; p; p = p.parent) if (p === toast) return true
        return false
    }

    // The first place that covers neither the focused field nor the keyboard: under the
    // header; else just above the keys (when they are up); else just below the field, or
    // just above it.
    function place() {
        if (!parent) return
        var header = win && win.header && win.header.visible ? win.header.height : 0
        var room = win && win.keyboardTop !== undefined ? win.keyboardTop : parent.height
        var field = win ? win.activeFocusItem : null
        var r = null
        if (field && field.height < parent.height / 2 && !within(field))
            r = field.mapToItem(parent, 0, 0, field.width, field.height)
        // With the keyboard up, the strip just above the keys is usually free (the screen
        // shrank above it); without it, the screen's bottom holds its buttons.
        var keys = room < parent.height
        var spots = [header + 8]
        if (keys) spots.push(room - height - 8)
        if (r) spots.push(r.y + r.height + 8, r.y - height - 8)
        if (!keys) spots.push(room - height - 8)
        for (var i = 0; i < spots.length; i++) {
            var top = spots[i]
            if (top < 0 || top + height > room) continue
            var clear = !r || top + height <= r.y || top >= r.y + r.height
                        || x + width <= r.x || x >= r.x + r.width
            if (clear) { y = top; return }
        }
        y = header + 8
    }
    onHeightChanged: if (opacity > 0) place()
    Connections {
        target: toast.win
        ignoreUnknownSignals: true
        function onActiveFocusItemChanged() { if (toast.opacity > 0) placeLater.restart() }
        function onKeyboardTopChanged() { if (toast.opacity > 0) placeLater.restart() }
    }
    // Once the screen has moved the field into sight (Main.qml's revealFocus, 200 ms).
    Timer { id: placeLater; interval: 250; onTriggered: toast.place() }
    Timer { id: timer; onTriggered: toast.hide("timer") }

    // Eats every touch on the message: a tap meant for it must not reach the field below.
    MouseArea { anchors.fill: parent; enabled: toast.visible }

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.leftMargin: 16
        anchors.rightMargin: 8
        spacing: 8
        Label {
            id: label
            objectName: "toastText"
            Layout.fillWidth: true
            Layout.maximumWidth: toast.parent.width - 220
            wrapMode: Text.Wrap
            text: toast.text
            color: "white"
            font.pixelSize: theme.text
        }
        Button {
            objectName: "toastDetails"
            visible: toast.detail !== ""
            focusPolicy: Qt.NoFocus
            text: words.lang, words.t("Chi tiết")
            Layout.preferredHeight: 48
            onClicked: { details.text = toast.detail; details.open(); timer.stop() }
        }
        Button {
            objectName: "toastClose"
            text: "✕"
            focusPolicy: Qt.NoFocus
            Layout.preferredWidth: 48
            Layout.preferredHeight: 48
            onClicked: toast.hide("close")
        }
    }

    // The admin's view of what went wrong underneath (the clerk's message stays plain).
    TouchDialog {
        id: details
        objectName: "errorDetails"
        property alias text: detailText.text
        preferredWidth: 900
        padding: 24
        Label { text: words.lang, words.t("Chi tiết kỹ thuật (cho quản trị viên)"); font.bold: true }
        TextArea { id: detailText; readOnly: true; wrapMode: Text.WrapAnywhere
                   Layout.fillWidth: true; font.family: "monospace"; font.pixelSize: theme.small }
        buttons: [
            Item { Layout.fillWidth: true },
            Button { objectName: "errorDetailsClose"; text: words.lang, words.t("Đóng")
                     Layout.preferredHeight: theme.touch; onClicked: details.close() }
        ]
    }
}
