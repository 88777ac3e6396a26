import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "../parts"

// Check before save: the citizen sees what the clerk is typing and confirms it.
Card {
    property var c: citizen.check
    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 28
        spacing: 12
        Label { text: citizen.lang, citizen.t("Xin ông/bà kiểm tra thông tin hồ sơ"); font.pixelSize: theme.title
                font.bold: true; color: theme.primary }
        GridLayout {
            columns: 2
            columnSpacing: 24
            rowSpacing: 8
            Layout.fillWidth: true
            Label { text: citizen.lang, citizen.t("Họ và tên"); color: theme.muted }
            Label { objectName: "checkName"; text: c.name || ""; font.bold: true; font.pixelSize: theme.title }
            Label { text: citizen.lang, citizen.t("Số CCCD"); color: theme.muted }
            Label { objectName: "checkId"; text: c.idNumber || ""; font.bold: true }
            Label { text: citizen.lang, citizen.t("Địa chỉ"); color: theme.muted }
            Label { text: c.address || ""; Layout.fillWidth: true; wrapMode: Text.Wrap }
            Label { text: citizen.lang, citizen.t("Điện thoại"); color: theme.muted }
            Label { objectName: "checkPhone"; text: c.phone || "" }
            Label { text: citizen.lang, citizen.t("E-mail"); color: theme.muted; visible: !!c.email }
            Label { objectName: "checkEmail"; text: c.email || ""; visible: !!c.email }
            Label { text: citizen.lang, citizen.t("Thủ tục"); color: theme.muted }
            Label { text: c.procedure || ""; Layout.fillWidth: true; wrapMode: Text.Wrap; font.bold: true }
            Label { text: citizen.lang, citizen.t("Hẹn trả kết quả"); color: theme.muted }
            Label { objectName: "checkDue"; text: c.due || ""; font.bold: true; color: theme.accent }
        }
        Label { text: citizen.lang, citizen.t("Giấy tờ đã nộp"); color: theme.muted }
        Flow {
            Layout.fillWidth: true
            spacing: 8
            Repeater {
                model: c.documents || []
                delegate: Rectangle {
                    radius: 6; color: "#e7f1e9"; height: 36; width: docLabel.implicitWidth + 20
                    Label { id: docLabel; anchors.centerIn: parent; text: "✓ " + modelData.name
                            + (modelData.count > 1 ? " ×" + modelData.count : ""); font.pixelSize: theme.small + 1 }
                }
            }
        }
        // Papers already digitised (issue 24): shown to the clerk only once the citizen agrees.
        RowLayout {
            objectName: "papersAsk"
            visible: citizen.papersAsk > 0
            Layout.fillWidth: true
            spacing: 16
            Label { text: citizen.lang, citizen.tf("Ông/bà đã có {n} giấy tờ được số hoá. Cho phép cán bộ dùng lại, không phải nộp lại?", {"n": citizen.papersAsk})
                    wrapMode: Text.Wrap; Layout.fillWidth: true; font.pixelSize: theme.text + 2; font.bold: true }
            BigButton { objectName: "papersAgree"; text: citizen.lang, citizen.t("Đồng ý"); tint: theme.ok
                        Layout.preferredWidth: 200; Layout.preferredHeight: 80; onClicked: citizen.answerPapers(true) }
            BigButton { objectName: "papersRefuse"; text: citizen.lang, citizen.t("Không"); tint: theme.warn
                        Layout.preferredWidth: 160; Layout.preferredHeight: 80; onClicked: citizen.answerPapers(false) }
        }
        // Consent to notices (issue 25): nothing ticked beforehand; the ticks are the consent.
        RowLayout {
            objectName: "consentAsk"
            visible: typeof consent !== "undefined" && consent.choices.length > 0
            Layout.fillWidth: true
            spacing: 16
            Label { text: citizen.lang, citizen.t("Nhận thông báo về hồ sơ qua:")
                    font.pixelSize: theme.text + 2; font.bold: true }
            Repeater {
                model: typeof consent !== "undefined" ? consent.choices : []
                delegate: BigButton {
                    objectName: "consent_" + modelData.channel
                    checkable: true
                    checked: modelData.chosen
                    focusPolicy: Qt.NoFocus
                    tint: modelData.chosen ? theme.primary : theme.muted
                    Layout.preferredHeight: 80; Layout.fillWidth: true
                    text: (modelData.chosen ? "☑ " : "☐ ")
                          + (modelData.channel === "sms" ? "SMS" : (citizen.lang, citizen.t("E-mail")))
                    sub: modelData.address
                    onClicked: consent.toggle(modelData.channel)
                }
            }
        }
        Item { Layout.fillHeight: true }
        Label {
            objectName: "checkConfirmed"
            visible: citizen.confirmed
            text: citizen.lang, citizen.t("✓ Ông/bà đã xác nhận. Cán bộ sẽ lưu hồ sơ và in phiếu hẹn.")
            color: theme.ok; font.bold: true; font.pixelSize: theme.text + 4
        }
        RowLayout {
            visible: !citizen.confirmed
            spacing: 20
            Layout.fillWidth: true
            BigButton {
                objectName: "confirmButton"
                text: citizen.lang, citizen.t("Thông tin đúng, tôi xác nhận")
                tint: theme.ok
                enabled: !!c.ready
                Layout.fillWidth: true; Layout.preferredHeight: 96
                font.pixelSize: theme.title
                onClicked: citizen.confirm()
            }
            BigButton {
                objectName: "correctButton"
                text: citizen.lang, citizen.t("Cần sửa")
                sub: citizen.lang, citizen.t("Báo cán bộ sửa lại")
                tint: theme.warn
                Layout.preferredWidth: 300; Layout.preferredHeight: 96
                font.pixelSize: theme.title
                onClicked: citizen.askCorrection()
            }
        }
    }
}
