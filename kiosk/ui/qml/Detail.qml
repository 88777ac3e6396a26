import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Pdf
import "parts"

Item {
    id: screen
    Component.onCompleted: { if (app.screenArgument) detail.load(app.screenArgument); signing.refresh() }
    property var d: detail.dossier

    RowLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: theme.gap
        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: theme.gap
            Card {
                Layout.fillWidth: true
                implicitHeight: info.implicitHeight + 32
                ColumnLayout {
                    id: info
                    anchors.fill: parent
                    anchors.margins: theme.gap
                    spacing: 4
                    Label { objectName: "detailCode"; text: d.code || ""; font.pixelSize: theme.title; font.bold: true; color: theme.primary }
                    Label { text: d.procedure || ""; wrapMode: Text.Wrap; Layout.fillWidth: true; font.bold: true }
                    Label { text: (d.name || "") + "  ·  " + (d.idNumber || "") + (d.phone ? "  ·  " + d.phone : "") }
                    Label { text: d.address || ""; color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Label { text: app.lang, app.tf("Tiếp nhận: {r}   ·   Hẹn trả: {d}", {"r": d.received || "", "d": d.due || ""}) }
                    Label { text: d.statusLabel || ""; font.bold: true; color: d.overdue ? theme.danger : theme.ok }
                    Label { visible: d.overdue === true; text: app.lang, app.t("Hồ sơ đã quá hạn: cần gửi phiếu xin lỗi và hẹn lại ngày trả.")
                            color: theme.danger; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Label { text: d.sync || ""; color: theme.muted }
                }
            }
            Label { text: app.lang, app.t("Diễn biến"); font.bold: true }
            ListView {
                objectName: "timeline"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                model: detail.events
                delegate: RowLayout {
                    width: ListView.view.width
                    height: Math.max(48, tl.implicitHeight + 12)
                    Rectangle { width: 14; height: 14; radius: 7; color: theme.primary }
                    ColumnLayout {
                        id: tl
                        Layout.fillWidth: true
                        spacing: 0
                        Label { text: model.at + "  —  " + model.label; font.bold: true }
                        Label { text: model.actor + (model.note ? ": " + model.note : ""); color: theme.muted
                                wrapMode: Text.Wrap; Layout.fillWidth: true }
                    }
                }
            }
        }
        ColumnLayout {
            Layout.preferredWidth: 420
            Layout.maximumWidth: 420
            Layout.fillWidth: false
            Layout.fillHeight: true
            spacing: theme.gap
            Label { text: app.lang, app.t("Tài liệu đã số hoá"); font.bold: true }
            ListView {
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                spacing: 6
                model: detail.documents
                delegate: ItemDelegate {
                    width: ListView.view.width
                    height: theme.touch
                    objectName: "document_" + index
                    // The signature state first: a long document name is elided at the end.
                    text: "📄 " + (model.signed === "signed" ? (app.lang, app.t("đã ký số")) + "  ·  "
                                   : model.signed === "unsigned" ? (app.lang, app.t("chưa ký số")) + "  ·  " : "")
                          + model.name
                    font.pixelSize: theme.small
                    onClicked: { viewer.title = model.name; pdf.source = "file://" + model.path; viewer.open() }
                }
            }
            BigButton { objectName: "signDossierButton"
                        text: app.lang, app.t("Ký số các giấy tờ chưa ký"); tint: theme.warn
                        visible: signing.configured && signing.unsignedCodes.indexOf(d.code || "") >= 0
                        Layout.fillWidth: true; onClicked: signing.signDossier(d.code) }
            BigButton { text: app.lang, app.t("In lại phiếu hẹn"); Layout.fillWidth: true
                        onClicked: detail.printForm("01") }
            BigButton { text: app.lang, app.t("In phiếu xin lỗi, hẹn lại ngày trả"); tint: theme.danger
                        visible: d.late === true; Layout.fillWidth: true
                        onClicked: apology.open() }
            BigButton { text: app.lang, app.t("Trả kết quả"); tint: theme.ok; visible: d.done === true
                        Layout.fillWidth: true; onClicked: { returns.find(d.code); app.go("return") } }
        }
    }

    Popup {
        id: viewer
        objectName: "pageViewer"
        property string title: ""
        parent: Overlay.overlay
        x: 24; y: 24
        width: parent ? parent.width - 48 : 800
        height: parent ? parent.height - 48 : 600
        modal: true
        onClosed: pdf.source = ""
        PdfDocument { id: pdf }
        ColumnLayout {
            anchors.fill: parent
            RowLayout {
                Layout.fillWidth: true
                Label { text: viewer.title; font.bold: true; Layout.fillWidth: true; elide: Text.ElideRight }
                Label { text: app.lang, app.tf("{n} trang", {"n": pdf.pageCount}); color: theme.muted }
                Button { text: app.lang, app.t("Đóng"); Layout.preferredHeight: theme.touch; onClicked: viewer.close() }
            }
            PdfMultiPageView {
                objectName: "pdfView"
                Layout.fillWidth: true
                Layout.fillHeight: true
                document: pdf
            }
        }
    }

    Popup {
        id: apology
        objectName: "apologyDialog"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: 640
        modal: true
        ColumnLayout {
            anchors.fill: parent
            spacing: theme.gap
            Label { text: app.lang, app.t("Phiếu xin lỗi và hẹn lại ngày trả kết quả"); font.bold: true; font.pixelSize: theme.title - 4 }
            Field { id: reason; Layout.fillWidth: true; label: app.lang, app.t("Lý do chậm trả kết quả") }
            RowLayout {
                Label { text: app.lang, app.t("Hẹn lại sau (ngày làm việc)"); Layout.fillWidth: true }
                SpinBox { id: extra; from: 1; to: 30; value: 2; Layout.preferredHeight: theme.touch; editable: true }
            }
            RowLayout {
                Layout.fillWidth: true
                BigButton { text: app.lang, app.t("In phiếu"); tint: theme.danger; Layout.fillWidth: true
                            onClicked: { detail.printApology(reason.text, extra.value); apology.close() } }
                BigButton { text: app.lang, app.t("Huỷ"); tint: theme.muted; Layout.preferredWidth: 160
                            onClicked: apology.close() }
            }
        }
    }
}
