import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "../parts"

// After an intake or a return: one tap to rate; "không hài lòng" asks one reason.
Card {
    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 32
        spacing: 20
        visible: citizen.mode === "rating"
        Label {
            text: citizen.lang, citizen.ratingOccasion === "return"
                  ? citizen.t("Ông/bà có hài lòng với việc trả kết quả hôm nay không?")
                  : citizen.t("Ông/bà có hài lòng với việc tiếp nhận hồ sơ hôm nay không?")
            font.pixelSize: theme.title + 4; font.bold: true; color: theme.primary
            Layout.fillWidth: true; wrapMode: Text.Wrap; horizontalAlignment: Text.AlignHCenter
        }
        RowLayout {
            visible: !citizen.reasonNeeded
            spacing: 24
            Layout.fillWidth: true
            Layout.fillHeight: true
            Repeater {
                model: citizen.levels
                delegate: BigButton {
                    objectName: "rate" + modelData.level
                    text: modelData.label
                    tint: modelData.level === 3 ? theme.ok : modelData.level === 2 ? "#3f7fbf" : theme.danger
                    Layout.fillWidth: true; Layout.preferredWidth: 1; Layout.preferredHeight: 220
                    font.pixelSize: theme.title + 4
                    onClicked: citizen.rate(modelData.level)
                }
            }
        }
        Label {
            visible: citizen.reasonNeeded
            text: citizen.lang, citizen.t("Xin cho biết ông/bà chưa hài lòng về điều gì:")
            font.pixelSize: theme.title; Layout.alignment: Qt.AlignHCenter
        }
        GridLayout {
            visible: citizen.reasonNeeded
            columns: 2
            rowSpacing: 20; columnSpacing: 20
            Layout.fillWidth: true
            Repeater {
                model: citizen.reasons
                delegate: BigButton {
                    objectName: "reason_" + modelData.reason
                    text: modelData.label
                    tint: theme.danger
                    Layout.fillWidth: true; Layout.preferredHeight: 120
                    font.pixelSize: theme.title
                    onClicked: citizen.rateReason(modelData.reason)
                }
            }
        }
        BigButton {
            objectName: "reasonBack"
            visible: citizen.reasonNeeded
            text: citizen.lang, citizen.t("◀ Quay lại")
            tint: theme.muted
            Layout.preferredWidth: 280
            onClicked: citizen.cancelReason()
        }
        Item { Layout.fillHeight: true }
    }
    // A few seconds (citizen.thanks_seconds), then the board; a number can be taken here
    // already, as on the board.
    ColumnLayout {
        visible: citizen.mode === "thanks"
        anchors.centerIn: parent
        spacing: 32
        Label {
            objectName: "thanks"
            text: citizen.lang, citizen.t("Cảm ơn ông/bà đã đánh giá!")
            font.pixelSize: theme.huge; font.bold: true; color: theme.ok
            Layout.alignment: Qt.AlignHCenter
        }
        RowLayout {
            Layout.alignment: Qt.AlignHCenter
            spacing: 24
            Repeater {
                model: citizen.queueServices
                delegate: BigButton {
                    objectName: "thanksTicket_" + modelData.code
                    text: citizen.lang, citizen.t("Lấy số")
                    sub: modelData.name
                    Layout.preferredWidth: 300
                    Layout.preferredHeight: 110
                    font.pixelSize: theme.title
                    onClicked: citizen.takeTicket(modelData.code)
                }
            }
        }
    }
}
