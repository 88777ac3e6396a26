import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"
import "citizen"

// Certification at the counter (issue 23): kind, copies, the scan, who certifies, the fee
// and how it is paid; one touch certifies (register number, receipt) and prints.
Flickable {
    id: screen
    contentHeight: row.implicitHeight + 48
    clip: true

    RowLayout {
        id: row
        x: 24; y: 24
        width: screen.width - 48
        spacing: theme.gap

        ColumnLayout {
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            spacing: theme.gap
            Label { text: app.lang, app.t("Chứng thực"); font.pixelSize: theme.title; font.bold: true }
            RowLayout {
                spacing: 8
                Repeater {
                    model: [["copy", app.t("Bản sao từ bản chính")], ["signature", app.t("Chữ ký")],
                            ["contract", app.t("Hợp đồng, giao dịch")]]
                    delegate: BigButton {
                        objectName: "kind_" + modelData[0]
                        text: app.lang, modelData[1]
                        Layout.fillWidth: true
                        tint: certify.kind === modelData[0] ? theme.primary : theme.muted
                        onClicked: certify.setKind(modelData[0])
                    }
                }
            }
            RowLayout {
                spacing: 12
                Label { text: app.lang, app.t("Số bản"); font.pixelSize: theme.text; Layout.preferredWidth: 150 }
                BigButton { objectName: "copiesMinus"; text: "−"; Layout.preferredWidth: theme.touch
                            onClicked: certify.addCopies(-1) }
                Label { objectName: "copiesValue"; text: certify.copies; font.pixelSize: theme.title; font.bold: true
                        horizontalAlignment: Text.AlignHCenter; Layout.preferredWidth: 64 }
                BigButton { objectName: "copiesPlus"; text: "+"; Layout.preferredWidth: theme.touch
                            onClicked: certify.addCopies(1) }
            }
            RowLayout {
                spacing: 12
                BigButton {
                    objectName: "scanCopyButton"
                    text: app.lang, certify.scannedPages > 0 ? app.t("Quét lại") : app.t("Quét bản sao")
                    enabled: !certify.busy
                    Layout.preferredWidth: 260
                    onClicked: certify.scan()
                }
                Label { objectName: "pagesLabel"; Layout.fillWidth: true; wrapMode: Text.Wrap
                        text: app.lang, certify.pages > 0 ? app.tf("{n} trang mỗi bản", {"n": certify.pages})
                                                          : app.t("Chưa quét bản sao") }
            }
            RowLayout {
                visible: certify.scannedPages === 0
                spacing: 12
                Label { text: app.lang, app.t("Hoặc nhập số trang"); color: theme.muted }
                SpinBox { objectName: "pagesSpin"; from: 0; to: 5000; editable: true
                          implicitHeight: theme.touch; font.pixelSize: theme.text
                          onValueModified: certify.setPages(value) }
            }
            Label { text: certify.status; color: theme.muted; visible: text !== ""; wrapMode: Text.Wrap
                    Layout.fillWidth: true }
            Label { text: app.lang, app.t("Người thực hiện chứng thực"); color: theme.muted; font.pixelSize: theme.small }
            ComboBox { objectName: "signerBox"; model: certify.signers; Layout.fillWidth: true
                       implicitHeight: theme.touch; font.pixelSize: theme.text
                       currentIndex: certify.signer; onActivated: certify.setSigner(currentIndex) }
            Label { visible: certify.signers.length === 0; color: theme.danger; wrapMode: Text.Wrap
                    Layout.fillWidth: true
                    text: app.lang, app.t("Chưa khai báo người thực hiện chứng thực (certify.signers).") }
            Field { id: who; Layout.fillWidth: true; label: app.lang, app.t("Người yêu cầu (không bắt buộc)")
                    onEdited: certify.setRequester(who.text, whoId.text) }
            Field { id: whoId; Layout.fillWidth: true; label: app.lang, app.t("Số CCCD (không bắt buộc)")
                    hints: Qt.ImhDigitsOnly; onEdited: certify.setRequester(who.text, whoId.text) }
        }

        Card {
            Layout.preferredWidth: 480
            Layout.alignment: Qt.AlignTop
            implicitHeight: right.implicitHeight + 32
            ColumnLayout {
                id: right
                anchors.fill: parent
                anchors.margins: theme.gap
                spacing: 10
                Label { text: app.lang, app.t("Phí, lệ phí"); color: theme.muted }
                Label { objectName: "feeAmount"; font.pixelSize: theme.huge; font.bold: true; color: theme.primary
                        text: certify.fee.amount !== undefined ? Number(certify.fee.amount).toLocaleString(Qt.locale("vi_VN"), "f", 0) + " đ" : "—" }
                Label { text: certify.fee.words || ""; wrapMode: Text.Wrap; Layout.fillWidth: true }
                Label { text: certify.fee.error || ""; color: theme.danger; wrapMode: Text.Wrap; Layout.fillWidth: true
                        visible: text !== "" }
                RowLayout {
                    spacing: 6
                    Repeater {
                        model: [["cash", app.t("Tiền mặt")], ["transfer", app.t("Chuyển khoản")], ["exempt", app.t("Miễn")]]
                        delegate: BigButton {
                            objectName: "method_" + modelData[0]
                            text: app.lang, modelData[1]
                            Layout.fillWidth: true
                            tint: certify.method === modelData[0] ? theme.ok : theme.muted
                            onClicked: certify.setMethod(modelData[0])
                        }
                    }
                }
                ComboBox {
                    objectName: "reasonBox"
                    visible: certify.method !== "cash" || certify.reason !== ""
                    Layout.fillWidth: true; implicitHeight: theme.touch
                    model: [app.t("Không miễn, giảm")].concat(certify.reasons)
                    onActivated: certify.setReason(currentIndex > 0 ? currentText : "")
                }
                QrCode { objectName: "certifyQr"; rows: certify.qrRows; size: 240
                         Layout.alignment: Qt.AlignHCenter; visible: certify.method === "transfer" && rows.length > 0 }
                BigButton {
                    objectName: "certifySubmit"
                    text: app.lang, app.t("Chứng thực và in biên lai")
                    tint: theme.ok
                    enabled: certify.ready
                    Layout.fillWidth: true
                    Layout.preferredHeight: 96
                    font.pixelSize: theme.title - 4
                    onClicked: certify.certify()
                }
                Label {
                    objectName: "certifyResult"
                    visible: certify.result.dossier !== undefined
                    wrapMode: Text.Wrap; Layout.fillWidth: true; color: theme.ok; font.bold: true
                    text: certify.result.dossier === undefined ? "" :
                          (app.lang, app.tf("Số chứng thực {number}, quyển số {book}; hồ sơ {code}",
                                            {"number": certify.result.register.number_text,
                                             "book": certify.result.register.book,
                                             "code": certify.result.dossier}))
                }
                Button { text: app.lang, app.t("Chứng thực việc khác"); visible: certify.result.dossier !== undefined
                         Layout.preferredHeight: theme.touch; onClicked: { who.text = ""; whoId.text = ""; certify.start() } }
            }
        }
    }
}
