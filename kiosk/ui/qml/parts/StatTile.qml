import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Card {
    id: tile
    property string label: ""
    property int value: 0
    property color tint: theme.primary
    signal clicked()
    implicitHeight: 120
    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.gap
        Label { text: tile.value; font.pixelSize: theme.huge; font.bold: true; color: tile.tint }
        Label { text: tile.label; font.pixelSize: theme.text; color: theme.ink; wrapMode: Text.Wrap
                Layout.fillWidth: true }
    }
    MouseArea { anchors.fill: parent; onClicked: tile.clicked() }
}
