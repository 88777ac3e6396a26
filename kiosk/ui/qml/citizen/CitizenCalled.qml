import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A number called to a counter (with the chime).
Rectangle {
    color: theme.primaryDark
    radius: theme.radius
    ColumnLayout {
        anchors.centerIn: parent
        spacing: 16
        Label { text: citizen.lang, citizen.t("Mời số"); color: "#dce8f3"; font.pixelSize: theme.huge
                Layout.alignment: Qt.AlignHCenter }
        Label { objectName: "calledLabel"; text: citizen.called.label || ""; color: "white"; font.pixelSize: 180
                font.bold: true; Layout.alignment: Qt.AlignHCenter }
        Label { objectName: "calledCounter"; color: "#ffd166"; font.pixelSize: theme.huge + 8; font.bold: true
                Layout.alignment: Qt.AlignHCenter
                text: citizen.lang, citizen.tf("đến quầy số {counter}", {"counter": citizen.called.counter || ""}) }
    }
}
