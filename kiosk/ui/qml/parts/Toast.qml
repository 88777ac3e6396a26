import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A message at the top of the screen, clear of the PIN pad, the form fields and the bottom
// buttons. Only its own buttons take touches: a tap anywhere else reaches what is under it.
Rectangle {
    id: toast
    objectName: "toast"
    property string text: ""
    property string kind: "info"
    property string detail: ""
    width: Math.min(parent.width - 48, row.implicitWidth + 32)
    height: Math.max(56, row.implicitHeight + 16)
    radius: theme.radius
    anchors.horizontalCenter: parent.horizontalCenter
    y: 8
    visible: opacity > 0
    opacity: 0
    color: kind === "error" ? theme.danger : (kind === "ok" ? theme.ok : theme.primaryDark)
    Behavior on opacity { NumberAnimation { duration: 200 } }

    function show(text, kind) {
        toast.text = text; toast.kind = kind; toast.opacity = 1
        toast.detail = kind === "error" && app.isAdmin ? app.errorDetail : ""
        timer.interval = kind === "error" ? 9000 : 3500
        timer.restart()
    }
    function hide() { toast.opacity = 0 }
    Timer { id: timer; onTriggered: toast.hide() }

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
            text: app.lang, app.t("Chi tiết")
            Layout.preferredHeight: 48
            onClicked: { details.text = toast.detail; details.open(); timer.stop() }
        }
        Button {
            objectName: "toastClose"
            text: "✕"
            Layout.preferredWidth: 48
            Layout.preferredHeight: 48
            onClicked: toast.hide()
        }
    }

    // The admin's view of what went wrong underneath (the clerk's message stays plain).
    Popup {
        id: details
        objectName: "errorDetails"
        property alias text: detailText.text
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: Math.min(parent ? parent.width - 96 : 800, 900)
        modal: true
        padding: 24
        ColumnLayout {
            anchors.fill: parent
            spacing: theme.gap
            Label { text: app.lang, app.t("Chi tiết kỹ thuật (cho quản trị viên)"); font.bold: true }
            TextArea { id: detailText; readOnly: true; wrapMode: Text.WrapAnywhere
                       Layout.fillWidth: true; font.family: "monospace"; font.pixelSize: theme.small }
            Button { text: app.lang, app.t("Đóng"); Layout.alignment: Qt.AlignRight
                     Layout.preferredHeight: theme.touch; onClicked: details.close() }
        }
    }
}
