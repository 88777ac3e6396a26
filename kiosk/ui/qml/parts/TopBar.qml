import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: bar
    height: 72
    color: theme.primary
    // The unit's time (kiosk/ui/clock_model.py), never the machine's zone.
    property string now: unitClock.text

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: theme.gap
        anchors.rightMargin: theme.gap
        spacing: theme.gap

        Button {
            objectName: "homeButton"
            text: app.lang, app.t("Trang chính")
            visible: app.screen !== "home"
            Layout.preferredHeight: theme.touch - 8
            font.pixelSize: theme.text
            onClicked: app.leave("home")  // leaving an intake with data asks first
        }
        ColumnLayout {
            spacing: 0
            Label { text: app.unitName; color: "white"; font.bold: true; font.pixelSize: theme.text + 2 }
            Label { text: app.lang, app.tf("Quầy số {n}", {"n": app.counterNumber}); color: "#cfe0f1"; font.pixelSize: theme.small }
        }
        Item { Layout.fillWidth: true }
        Label { objectName: "headerClock"; text: bar.now; color: "white"; font.pixelSize: theme.text }
        Label { text: app.clerkName; color: "white"; font.pixelSize: theme.text }
        Button {
            objectName: "lockButton"
            text: app.lang, app.t("Khoá")
            Layout.preferredHeight: theme.touch - 8
            font.pixelSize: theme.text
            onClicked: app.lock()
        }
    }
}
