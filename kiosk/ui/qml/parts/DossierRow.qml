import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ItemDelegate {
    id: row
    width: ListView.view ? ListView.view.width : 600
    height: Math.max(theme.touch + 16, col.implicitHeight + 20)
    background: Rectangle { color: row.down ? "#e3ecf5" : theme.card; border.color: theme.line }
    contentItem: RowLayout {
        spacing: theme.gap
        ColumnLayout {
            id: col
            Layout.fillWidth: true
            spacing: 2
            Label { text: model.code; font.bold: true; font.pixelSize: theme.text }
            Label { text: model.name + (model.idNumber ? "  ·  " + model.idNumber : "")
                    font.pixelSize: theme.text; elide: Text.ElideRight; Layout.fillWidth: true }
            Label { text: model.procedure; color: theme.muted; font.pixelSize: theme.small
                    elide: Text.ElideRight; Layout.fillWidth: true }
        }
        ColumnLayout {
            spacing: 2
            Label { text: model.statusLabel; font.pixelSize: theme.small; Layout.alignment: Qt.AlignRight }
            Label { text: model.due; font.pixelSize: theme.small; Layout.alignment: Qt.AlignRight
                    color: model.overdue ? theme.danger : theme.muted; font.bold: model.overdue }
        }
    }
}
