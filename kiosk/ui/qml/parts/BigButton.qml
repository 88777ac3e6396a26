import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Button {
    id: b
    property color tint: theme.primary
    property string sub: ""
    implicitHeight: Math.max(theme.touch, content.implicitHeight + 24)
    font.pixelSize: theme.text + 2
    contentItem: ColumnLayout {
        id: content
        spacing: 2
        Label { text: b.text; color: "white"; font: b.font; Layout.alignment: Qt.AlignHCenter
                horizontalAlignment: Text.AlignHCenter; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Label { visible: b.sub !== ""; text: b.sub; color: "#e6eef6"; font.pixelSize: theme.small
                Layout.alignment: Qt.AlignHCenter; horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap; Layout.fillWidth: true }
    }
    background: Rectangle {
        radius: theme.radius
        color: !b.enabled ? "#9aa5b1" : (b.down ? Qt.darker(b.tint, 1.25) : b.tint)
    }
}
