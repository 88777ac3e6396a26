import QtQuick
import QtQuick.Controls

Rectangle {
    id: toast
    objectName: "toast"
    property string text: ""
    property string kind: "info"
    width: Math.min(parent.width - 64, label.implicitWidth + 64)
    height: label.implicitHeight + 32
    radius: theme.radius
    anchors.horizontalCenter: parent.horizontalCenter
    y: parent.height - height - 120
    visible: opacity > 0
    opacity: 0
    color: kind === "error" ? theme.danger : (kind === "ok" ? theme.ok : theme.primaryDark)
    Behavior on opacity { NumberAnimation { duration: 200 } }

    function show(text, kind) {
        toast.text = text; toast.kind = kind; toast.opacity = 1
        timer.interval = kind === "error" ? 8000 : 3500
        timer.restart()
    }
    Timer { id: timer; onTriggered: toast.opacity = 0 }
    Label {
        id: label
        anchors.centerIn: parent
        width: Math.min(implicitWidth, toast.parent.width - 96)
        wrapMode: Text.Wrap
        text: toast.text
        color: "white"
        font.pixelSize: theme.text
    }
    // Touch to dismiss: no hover-only affordances on a touchscreen.
    MouseArea { anchors.fill: parent; onClicked: toast.opacity = 0 }
}
