import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// How the dossier came and how its result goes back, on one row so the save button stays in
// sight: direct/at the counter is preselected (the common case costs no tap), anything else
// is one tap. A back-entry's paper time is typed only for a dossier received on paper earlier.
Card {
    id: box
    implicitHeight: row.implicitHeight + 24
    RowLayout {
        id: row
        anchors.fill: parent
        anchors.margins: 12
        spacing: 6
        Label { text: app.lang, app.t("Kênh nộp"); font.bold: true }
        Repeater {
            model: [[1, "Trực tiếp"], [3, "Bưu chính"], [2, "Trực tuyến"], [4, "Khác"]]
            delegate: Button {
                objectName: "channel" + modelData[0]
                text: app.lang, app.t(modelData[1])
                checkable: true
                checked: intake.reception.channel === modelData[0]
                highlighted: checked
                Layout.preferredHeight: theme.touch
                onClicked: intake.setChannel(modelData[0])
            }
        }
        Item { Layout.preferredWidth: 12 }
        Label { text: app.lang, app.t("Trả kết quả"); font.bold: true }
        Repeater {
            model: [["counter", "Tại quầy"], ["post", "Qua bưu điện"]]
            delegate: Button {
                objectName: "return_" + modelData[0]
                text: app.lang, app.t(modelData[1])
                checkable: true
                checked: intake.reception.returnMethod === modelData[0]
                highlighted: checked
                Layout.preferredHeight: theme.touch
                onClicked: intake.setReturnMethod(modelData[0])
            }
        }
        Item { Layout.preferredWidth: 12 }
        TextField {
            objectName: "paperReceivedAt"
            Layout.fillWidth: true
            Layout.minimumWidth: 200
            Layout.preferredHeight: theme.touch
            text: intake.reception.paperReceivedAt
            placeholderText: app.lang, app.t("Nhập bù: giờ nhận trên giấy")
            onEditingFinished: intake.setPaperReceivedAt(text)
        }
    }
}
