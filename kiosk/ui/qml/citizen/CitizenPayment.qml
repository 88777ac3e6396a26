import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "../parts"

// What the citizen pays at the certification counter: the amount in figures and in words,
// and for a transfer the VietQR code any banking app reads (issue 23).
Card {
    property var p: citizen.payment
    objectName: "citizenPayment"
    RowLayout {
        anchors.fill: parent
        anchors.margins: 32
        spacing: 32
        ColumnLayout {
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            spacing: 14
            Label { text: citizen.lang, citizen.t("Phí, lệ phí phải nộp"); font.pixelSize: theme.title; color: theme.muted }
            Label { objectName: "paymentAmount"; text: p.amountText || ""; font.pixelSize: theme.huge + 8
                    font.bold: true; color: theme.primary }
            Label { objectName: "paymentWords"; text: p.words || ""; font.pixelSize: theme.title
                    Layout.fillWidth: true; wrapMode: Text.Wrap }
            Repeater { model: p.items || []
                       delegate: Label { text: "• " + modelData.name + ": " + modelData.quantity + " " + modelData.unit
                                         Layout.fillWidth: true; wrapMode: Text.Wrap; color: theme.muted } }
            Label { visible: p.method === "cash"; font.pixelSize: theme.title
                    text: citizen.lang, citizen.t("Nộp tiền mặt tại quầy, nhận biên lai.") }
            Label { visible: p.method === "exempt"; font.pixelSize: theme.title; color: theme.ok
                    text: citizen.lang, citizen.t("Được miễn phí, lệ phí.") }
            Label { visible: p.method === "transfer"; font.pixelSize: theme.title
                    Layout.fillWidth: true; wrapMode: Text.Wrap
                    text: citizen.lang, citizen.t("Quét mã VietQR bằng ứng dụng ngân hàng để chuyển khoản; số tiền và nội dung đã điền sẵn.") }
            Label { visible: p.method === "transfer" && !!p.account; color: theme.muted
                    text: citizen.lang, citizen.tf("Tài khoản {account} {name}", {"account": p.account || "", "name": p.accountName || ""}) }
        }
        QrCode { objectName: "paymentQr"; rows: p.qrRows || []; size: 320; Layout.alignment: Qt.AlignTop
                 visible: p.method === "transfer" && rows.length > 0 }
    }
}
