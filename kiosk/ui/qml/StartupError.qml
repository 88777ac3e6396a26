import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Shown instead of the counter when its data cannot be opened (a lost or foreign database,
// a bad setting that shapes dossier codes): a counter started from its autostart session
// has no terminal, so the reason and what to do must be on the screen.
ApplicationWindow {
    id: root
    visible: true
    width: 1024
    height: 640
    title: "kiosk"
    color: "#fff7f5"
    font.family: appFontFamily

    ColumnLayout {
        anchors.centerIn: parent
        width: Math.min(parent.width - 96, 900)
        spacing: 24

        Label {
            Layout.fillWidth: true
            text: problemTitle
            font.pixelSize: 34
            font.bold: true
            color: "#9b1c1c"
            wrapMode: Text.WordWrap
        }
        Label {
            objectName: "problemMessage"
            Layout.fillWidth: true
            text: problemMessage
            font.pixelSize: 24
            wrapMode: Text.WordWrap
        }
        Label {
            objectName: "problemHint"
            Layout.fillWidth: true
            text: problemHint
            font.pixelSize: 22
            color: "#374151"
            wrapMode: Text.WordWrap
        }
        Button {
            objectName: "closeButton"
            text: closeText
            font.pixelSize: 24
            Layout.preferredHeight: 72
            Layout.preferredWidth: 260
            onClicked: Qt.quit()
        }
    }
}
