import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Pdf
import "parts"

// Dossiers submitted online or by post: the list on the left, the one opened on the right
// with its files (viewer) and the decisions. kiosk/ui/incoming_model.py.
Item {
    id: screen
    Component.onCompleted: incoming.refresh()
    property var s: incoming.selected

    RowLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: theme.gap
        ColumnLayout {
            Layout.preferredWidth: 520
            Layout.maximumWidth: 520
            Layout.fillHeight: true
            spacing: theme.gap
            Button { objectName: "incomingBack"; text: app.lang, app.backLabel
                     leftPadding: 20; rightPadding: 20
                     Layout.preferredHeight: theme.touch; font.pixelSize: theme.text
                     onClicked: app.back() }
            Label { text: app.lang, app.tf("Hồ sơ trực tuyến chờ tiếp nhận ({n})", {"n": incoming.items.count})
                    font.pixelSize: theme.title - 4; font.bold: true; wrapMode: Text.Wrap; Layout.fillWidth: true }
            ListView {
                objectName: "incomingList"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                spacing: 6
                model: incoming.items
                Label { visible: parent.count === 0; width: parent.width; wrapMode: Text.Wrap; color: theme.muted
                        text: app.lang, app.t("Không có hồ sơ nào đang chờ tiếp nhận.") }
                delegate: ItemDelegate {
                    id: rowItem
                    width: ListView.view.width
                    objectName: "incoming_" + index
                    highlighted: (screen.s.id || "") === model.id
                    height: Math.max(theme.touch + 24, rowCol.implicitHeight + 20)
                    contentItem: ColumnLayout {
                        id: rowCol
                        spacing: 2
                        Label { text: model.name; font.bold: true; Layout.fillWidth: true; elide: Text.ElideRight }
                        Label { text: model.procedure; Layout.fillWidth: true; elide: Text.ElideRight }
                        Label { text: model.channel + "  ·  " + model.submitted
                                color: rowItem.highlighted ? "white" : theme.muted
                                font.pixelSize: theme.small }
                    }
                    onClicked: incoming.open(model.id)
                }
            }
        }
        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: theme.gap
            Label { visible: !screen.s.id; text: app.lang, app.t("Chọn một hồ sơ trong danh sách để kiểm tra giấy tờ.")
                    color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
            Card {
                visible: !!screen.s.id
                Layout.fillWidth: true
                implicitHeight: info.implicitHeight + 32
                ColumnLayout {
                    id: info
                    anchors.fill: parent
                    anchors.margins: theme.gap
                    spacing: 4
                    Label { objectName: "incomingName"; text: screen.s.name || ""; font.pixelSize: theme.title - 4; font.bold: true; color: theme.primary }
                    Label { text: screen.s.procedure || ""; font.bold: true; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Label { text: [screen.s.idNumber, screen.s.phone, screen.s.email].filter(function (x) { return !!x }).join("  ·  ")
                            wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Label { text: screen.s.address || ""; color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Label { text: app.lang, app.tf("Kênh nộp: {c}   ·   Nộp lúc: {t}", {"c": screen.s.channel || "", "t": screen.s.submitted || ""}) }
                }
            }
            Label { visible: !!screen.s.id; text: app.lang, app.t("Giấy tờ đã nộp (chạm để xem)"); font.bold: true }
            ListView {
                visible: !!screen.s.id
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                spacing: 6
                model: incoming.files
                delegate: ItemDelegate {
                    width: ListView.view.width
                    objectName: "incomingFile_" + index
                    enabled: model.ready
                    height: Math.max(theme.touch, fileName.implicitHeight + 20)
                    contentItem: Label { id: fileName; wrapMode: Text.Wrap; font.pixelSize: theme.small
                                         verticalAlignment: Text.AlignVCenter
                                         text: model.code + "  ·  " + model.name + (model.ready ? "" : "  ·  " + (app.lang, app.t("đang tải…"))) }
                    onClicked: {
                        viewer.title = model.name
                        viewer.image = model.image
                        if (model.image) picture.source = "file://" + model.path
                        else pdf.source = "file://" + model.path
                        viewer.open()
                    }
                }
            }
            RowLayout {
                visible: !!screen.s.id
                Layout.fillWidth: true
                spacing: theme.gap
                BigButton { objectName: "incomingAccept"; text: app.lang, app.t("Tiếp nhận"); tint: theme.ok
                            sub: app.lang, app.t("Cấp mã, tính hạn từ bây giờ, in phiếu hẹn")
                            enabled: !incoming.busy; Layout.fillWidth: true; Layout.preferredHeight: 110
                            onClicked: incoming.accept() }
                BigButton { objectName: "incomingSupplement"; text: app.lang, app.t("Yêu cầu bổ sung"); tint: theme.warn
                            sub: app.lang, app.t("In phiếu Mẫu 02 ghi giấy tờ còn thiếu")
                            enabled: !incoming.busy; Layout.fillWidth: true; Layout.preferredHeight: 110
                            onClicked: supplementAsk.open() }
                BigButton { objectName: "incomingRefuse"; text: app.lang, app.t("Từ chối"); tint: theme.danger
                            sub: app.lang, app.t("In thông báo Mẫu 03 có lý do")
                            enabled: !incoming.busy; Layout.fillWidth: true; Layout.preferredHeight: 110
                            onClicked: refusal.open() }
            }
        }
    }

    Popup {
        id: viewer
        objectName: "incomingViewer"
        property string title: ""
        property bool image: false
        parent: Overlay.overlay
        x: 24; y: 24
        width: parent ? parent.width - 48 : 800
        height: parent ? parent.height - 48 : 600
        modal: true
        padding: 16
        onClosed: { pdf.source = ""; picture.source = "" }
        PdfDocument { id: pdf }
        ColumnLayout {
            anchors.fill: parent
            clip: true
            RowLayout {
                Layout.fillWidth: true
                Label { text: viewer.title; font.bold: true; Layout.fillWidth: true; wrapMode: Text.Wrap }
                Button { objectName: "incomingViewerClose"; leftPadding: 20; rightPadding: 20
                         text: app.lang, app.t("Đóng"); Layout.preferredHeight: theme.touch
                         onClicked: viewer.close() }
            }
            PdfMultiPageView {
                id: pdfView
                visible: !viewer.image
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                document: pdf
                Connections {
                    target: pdf
                    function onStatusChanged() {
                        if (pdf.status === PdfDocument.Ready) pdfView.scaleToPage(pdfView.width, pdfView.height)
                    }
                }
            }
            Image {
                id: picture
                visible: viewer.image
                Layout.fillWidth: true
                Layout.fillHeight: true
                fillMode: Image.PreserveAspectFit
                asynchronous: true
            }
        }
    }

    TouchDialog {
        id: refusal
        objectName: "refusalDialog"
        Label { text: app.lang, app.t("Từ chối tiếp nhận hồ sơ (Mẫu 03)"); font.bold: true
                font.pixelSize: theme.title - 4; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Label { text: screen.s.name || ""; color: theme.muted }
        Field { id: reason; objectName: "refusalReason"; Layout.fillWidth: true
                label: app.lang, app.t("Lý do từ chối (in trên thông báo)") }
        buttons: [
            BigButton { objectName: "refusalConfirm"; text: app.lang, app.t("Từ chối và in thông báo"); tint: theme.danger
                        Layout.fillWidth: true
                        onClicked: if (reason.text.trim().length > 0) { incoming.refuse(reason.text); reason.text = ""; refusal.close() }
                                   else incoming.refuse("") },
            BigButton { objectName: "refusalCancel"; text: app.lang, app.t("Huỷ"); tint: theme.muted; Layout.preferredWidth: 160
                        onClicked: refusal.close() }
        ]
    }

    TouchDialog {
        id: supplementAsk
        objectName: "incomingSupplementDialog"
        Label { text: app.lang, app.t("Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"); font.bold: true
                font.pixelSize: theme.title - 4; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Label { text: screen.s.name || ""; color: theme.muted }
        Field { id: missing; objectName: "incomingMissing"; Layout.fillWidth: true
                label: app.lang, app.t("Giấy tờ còn thiếu (ngăn cách bằng dấu ;)") }
        buttons: [
            BigButton { objectName: "incomingSupplementConfirm"; text: app.lang, app.t("Ghi nhận và in phiếu"); tint: theme.warn
                        Layout.fillWidth: true
                        onClicked: if (missing.text.trim().length > 0) { incoming.askSupplement(missing.text); missing.text = ""; supplementAsk.close() }
                                   else incoming.askSupplement("") },
            BigButton { text: app.lang, app.t("Huỷ"); tint: theme.muted; Layout.preferredWidth: 160
                        onClicked: supplementAsk.close() }
        ]
    }
}
