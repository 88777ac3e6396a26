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
            // Back to the list (or screen) this dossier was opened from, as it was left.
            Button { objectName: "detailBack"; text: app.lang, app.backLabel
                     leftPadding: 20; rightPadding: 20
                     Layout.preferredHeight: theme.touch; font.pixelSize: theme.text
                     onClicked: app.back() }
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
                    Label { text: [d.name, d.idNumber, d.phone].filter(function (x) { return !!x }).join("  ·  ") }
                    Label { text: d.address || ""; color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Label { text: app.lang, app.tf("Tiếp nhận: {r}   ·   Hẹn trả: {d}", {"r": d.received || "", "d": d.due || ""}) }
                    Label { text: d.statusLabel || ""; font.bold: true; color: d.overdue ? theme.danger : theme.ok }
                    // Liên thông: the dossiers taken in the same intake, each with its own status.
                    Label { objectName: "detailGroup"; visible: !!(d.group && d.group.title)
                            text: d.group ? (d.group.title || "") : ""; font.bold: true; color: theme.primary
                            wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Repeater {
                        model: d.group ? (d.group.lines || []) : []
                        delegate: Label { objectName: "groupLine_" + index; text: (modelData.current ? "▶ " : "• ") + modelData.text
                                          font.bold: modelData.current; font.pixelSize: theme.small
                                          wrapMode: Text.Wrap; Layout.fillWidth: true }
                    }
                    Label { visible: d.overdue === true; text: app.lang, app.t("Hồ sơ đã quá hạn: cần gửi phiếu xin lỗi và hẹn lại ngày trả.")
                            color: theme.danger; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Label { text: d.sync || ""; color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    // Each notice to the citizen and how its delivery went (issue 25).
                    // A failed or uncertain one can be sent again («kiosk notify retry ID»).
                    Repeater {
                        model: noticeRetry.rows
                        delegate: RowLayout {
                            Layout.fillWidth: true
                            Label { text: modelData.text; objectName: "noticeLine_" + index
                                    color: theme.muted; font.pixelSize: theme.small
                                    wrapMode: Text.Wrap; Layout.fillWidth: true }
                            Button { objectName: "noticeRetry_" + index; visible: modelData.canRetry
                                     text: app.lang, app.t("Gửi lại"); focusPolicy: Qt.NoFocus
                                     Layout.preferredHeight: theme.touch
                                     onClicked: noticeRetry.retry(modelData.id) }
                        }
                    }
                    Label { visible: app.isAdmin && !!d.syncDetail; text: d.syncDetail || ""; color: theme.muted
                            font.pixelSize: theme.small; wrapMode: Text.WrapAnywhere; Layout.fillWidth: true }
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
                Label { visible: parent.count === 0; text: app.lang, app.t("Hồ sơ này chưa có tài liệu đã số hoá.")
                        color: theme.muted; wrapMode: Text.Wrap; width: parent.width }
                delegate: ItemDelegate {
                    width: ListView.view.width
                    objectName: "document_" + index
                    // The signature state first, then the whole name, wrapped (long names were
                    // cut: "…chứng x…").
                    text: (model.signed === "signed" ? (app.lang, app.t("đã ký số")) + "  ·  "
                                   : model.signed === "unsigned" ? (app.lang, app.t("chưa ký số")) + "  ·  " : "")
                          + (model.pdfa ? "" : (app.lang, app.t("không đạt PDF/A")) + "  ·  ")
                          + model.name
                    height: Math.max(theme.touch, docName.implicitHeight + 20)
                    rightPadding: factsButton.visible ? factsButton.width + 18 : 12
                    contentItem: Label { id: docName; wrapMode: Text.Wrap; text: parent.text
                                         font.pixelSize: theme.small; verticalAlignment: Text.AlignVCenter }
                    onClicked: { viewer.title = model.name; pdf.source = "file://" + model.path; viewer.open() }
                    // A scanned document's number and dates (issue 24): suggested from its text,
                    // confirmed by the clerk. Results come with theirs.
                    Button { id: factsButton; objectName: "factsButton_" + index
                             visible: !!model.component
                             anchors.right: parent.right; anchors.rightMargin: 6
                             anchors.verticalCenter: parent.verticalCenter
                             height: theme.touch - 8; leftPadding: 14; rightPadding: 14
                             text: app.lang, app.t("Số, ngày")
                             onClicked: { factsDialog.docName = model.name
                                          paperFacts.load(d.code, model.component); factsDialog.open() } }
                }
            }
            BigButton { objectName: "signDossierButton"
                        text: app.lang, app.t("Ký số các giấy tờ chưa ký"); tint: theme.warn
                        visible: signing.configured && signing.unsignedCodes.indexOf(d.code || "") >= 0
                        Layout.fillWidth: true; onClicked: signing.signDossier(d.code) }
            BigButton { text: app.lang, app.t("In lại phiếu hẹn"); Layout.fillWidth: true
                        onClicked: detail.printForm("01") }
            BigButton { text: app.lang, app.t("In phiếu xin lỗi, hẹn lại ngày trả"); tint: theme.danger
                        objectName: "apologyButton"
                        visible: d.late === true || d.dueSoon === true; Layout.fillWidth: true
                        onClicked: apology.open() }
            Label { visible: (d.postponements || []).length > 0; color: theme.danger; wrapMode: Text.Wrap
                    Layout.fillWidth: true; objectName: "postponedLabel"
                    text: app.lang, app.tf("Hạn theo quy định: {legal}. Đã hẹn lại {n} lần (phiếu {letters}).",
                                           {"legal": d.originalDue || "", "n": (d.postponements || []).length,
                                            "letters": (d.postponements || []).join(", ")}) }
            // Mẫu 02 while the dossier is at the counter's side (new or just received);
            // Mẫu 03 while it is not accepted (new, or its supplement never came).
            BigButton { objectName: "askSupplementButton"; text: app.lang, app.t("Yêu cầu bổ sung")
                        tint: theme.warn; visible: d.status === 1 || d.status === 2
                        Layout.fillWidth: true; onClicked: supplementAsk.open() }
            // The citizen brought the papers asked for: scanned in as new components.
            BigButton { objectName: "receiveSupplementButton"; text: app.lang, app.t("Nhận giấy tờ bổ sung")
                        tint: theme.ok; visible: d.status === 5
                        Layout.fillWidth: true; onClicked: { supplement.open(d.code); supplementReceive.open() } }
            BigButton { objectName: "refuseButton"; text: app.lang, app.t("Từ chối"); tint: theme.danger
                        visible: d.status === 1 || d.status === 5
                        Layout.fillWidth: true; onClicked: refuseAsk.open() }
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
        padding: 16
        onClosed: pdf.source = ""
        PdfDocument { id: pdf }
        ColumnLayout {
            anchors.fill: parent
            clip: true
            RowLayout {
                Layout.fillWidth: true
                spacing: theme.gap
                Label { text: viewer.title; font.bold: true; Layout.fillWidth: true; wrapMode: Text.Wrap }
                // One page in sight at a time: the clerk turns them here.
                Button { objectName: "pagePrevious"; leftPadding: 20; rightPadding: 20; text: app.lang, app.t("◀ Trang trước")
                         enabled: pdfView.currentPage > 0; Layout.preferredHeight: theme.touch
                         onClicked: pdfView.goToPage(pdfView.currentPage - 1) }
                Label { objectName: "pageCounter"; color: theme.muted; font.pixelSize: theme.text
                        text: app.lang, app.tf("Trang {n}/{total}", {"n": pdfView.currentPage + 1, "total": pdf.pageCount}) }
                Button { objectName: "pageNext"; leftPadding: 20; rightPadding: 20; text: app.lang, app.t("Trang sau ▶")
                         enabled: pdfView.currentPage < pdf.pageCount - 1; Layout.preferredHeight: theme.touch
                         onClicked: pdfView.goToPage(pdfView.currentPage + 1) }
                Button { objectName: "viewerClose"; leftPadding: 20; rightPadding: 20; text: app.lang, app.t("Đóng"); Layout.preferredHeight: theme.touch
                         onClicked: viewer.close() }
            }
            PdfMultiPageView {
                id: pdfView
                objectName: "pdfView"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                document: pdf
                // A whole page in sight: fit it to the dialog instead of its natural size.
                onWidthChanged: if (pdf.status === PdfDocument.Ready) scaleToPage(width, height)
                Connections {
                    target: pdf
                    function onStatusChanged() {
                        if (pdf.status === PdfDocument.Ready) pdfView.scaleToPage(pdfView.width, pdfView.height)
                    }
                }
            }
        }
    }

    TouchDialog {
        id: apology
        objectName: "apologyDialog"
        // Closes only when the letter went to the printer: a missing reason keeps what was typed.
        property int days: 2
        onOpened: days = 2
        Label { text: app.lang, app.t("Phiếu xin lỗi và hẹn lại ngày trả kết quả"); font.bold: true
                font.pixelSize: theme.title - 4; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Field { id: reason; objectName: "apologyReason"; Layout.fillWidth: true
                label: app.lang, app.t("Lý do chậm trả kết quả") }
        Label { text: app.lang, app.t("Hẹn lại sau (ngày làm việc)"); color: theme.muted; font.pixelSize: theme.small }
        RowLayout {
            spacing: theme.gap
            BigButton { objectName: "apologyLess"; text: "−"; Layout.preferredWidth: theme.touch + 16
                        font.pixelSize: theme.title; enabled: apology.days > 1; onClicked: apology.days -= 1 }
            Label { objectName: "apologyDays"; text: apology.days; font.pixelSize: theme.title; font.bold: true
                    horizontalAlignment: Text.AlignHCenter; Layout.preferredWidth: 64 }
            BigButton { objectName: "apologyMore"; text: "+"; Layout.preferredWidth: theme.touch + 16
                        font.pixelSize: theme.title; enabled: apology.days < 30; onClicked: apology.days += 1 }
            Label { text: app.lang, app.t("ngày làm việc"); Layout.fillWidth: true }
        }
        buttons: [
            BigButton { objectName: "apologyConfirm"; text: app.lang, app.t("Ghi nhận và in phiếu"); tint: theme.danger; Layout.fillWidth: true
                        onClicked: if (detail.printApology(reason.text, apology.days)) { reason.text = ""; apology.close() } },
            BigButton { objectName: "apologyCancel"; text: app.lang, app.t("Huỷ"); tint: theme.muted; Layout.preferredWidth: 160
                        onClicked: apology.close() }
        ]
    }

    TouchDialog {
        id: supplementAsk
        objectName: "supplementDialog"
        Label { text: app.lang, app.t("Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"); font.bold: true
                font.pixelSize: theme.title - 4; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Field { id: missing; objectName: "supplementItems"; Layout.fillWidth: true
                label: app.lang, app.t("Giấy tờ còn thiếu (ngăn cách bằng dấu ;)") }
        buttons: [
            BigButton { objectName: "supplementConfirm"; text: app.lang, app.t("Ghi nhận và in phiếu"); tint: theme.warn
                        Layout.fillWidth: true
                        onClicked: if (detail.askSupplement(missing.text)) { missing.text = ""; supplementAsk.close() } },
            BigButton { text: app.lang, app.t("Huỷ"); tint: theme.muted; Layout.preferredWidth: 160
                        onClicked: supplementAsk.close() }
        ]
    }

    TouchDialog {
        id: supplementReceive
        objectName: "supplementReceiveDialog"
        preferredWidth: 820
        // A scan or the recording under way keeps it open; closing drops what was not recorded.
        closePolicy: supplement.busy ? Popup.NoAutoClose : Popup.CloseOnEscape
        onClosed: if (!supplement.busy) supplement.cancel()
        Label { text: app.lang, app.tf("Nhận giấy tờ bổ sung — hồ sơ {code}", {"code": supplement.code})
                font.bold: true; font.pixelSize: theme.title - 4; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Label { objectName: "supplementAsked"; visible: supplement.asked.length > 0
                text: app.lang, app.tf("Đã yêu cầu: {items}", {"items": supplement.asked.join("; ")})
                color: theme.warn; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Label { text: app.lang, app.t("Đặt giấy tờ lên máy quét rồi chọn «Quét» ở dòng tương ứng.")
                color: theme.muted; font.pixelSize: theme.small; wrapMode: Text.Wrap; Layout.fillWidth: true
                visible: !supplement.result.due }
        Repeater {
            model: supplement.result.due ? [] : supplement.rows
            delegate: RowLayout {
                Layout.fillWidth: true
                spacing: theme.gap
                Label { text: modelData.name + (modelData.pages > 0 ? "  ·  " + app.tf("{n} trang", {"n": modelData.pages}) : "")
                        font.bold: modelData.pages > 0; wrapMode: Text.Wrap; Layout.fillWidth: true }
                BigButton { objectName: "supplementClear_" + index; text: app.lang, app.t("Quét lại"); tint: theme.muted
                            visible: modelData.pages > 0; enabled: !supplement.busy; Layout.preferredWidth: 150
                            onClicked: supplement.clearRow(index) }
                BigButton { objectName: "supplementScan_" + index; text: app.lang, app.t("Quét")
                            enabled: !supplement.busy; Layout.preferredWidth: 150
                            onClicked: supplement.scan(index) }
            }
        }
        Label { objectName: "supplementStatus"; text: supplement.status; visible: text.length > 0
                font.bold: !!supplement.result.due; color: supplement.result.due ? theme.ok : theme.muted
                wrapMode: Text.Wrap; Layout.fillWidth: true }
        buttons: [
            BigButton { objectName: "supplementReceiveConfirm"; text: app.lang, app.t("Ghi nhận và in biên nhận"); tint: theme.ok
                        visible: !supplement.result.due; enabled: !supplement.busy && supplement.pageCount > 0
                        Layout.fillWidth: true; onClicked: supplement.receive() },
            BigButton { objectName: "supplementReceiveClose"
                        text: supplement.result.due ? (app.lang, app.t("Đóng")) : (app.lang, app.t("Huỷ"))
                        tint: theme.muted; Layout.preferredWidth: 160
                        // A scan under way stops first; the recording itself is never cut.
                        onClicked: { supplement.cancel(); if (!supplement.busy) supplementReceive.close() } }
        ]
    }

    TouchDialog {
        id: refuseAsk
        objectName: "refuseDialog"
        Label { text: app.lang, app.t("Từ chối tiếp nhận hồ sơ (Mẫu 03)"); font.bold: true
                font.pixelSize: theme.title - 4; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Field { id: refuseReason; objectName: "refuseReason"; Layout.fillWidth: true
                label: app.lang, app.t("Lý do từ chối (in trên thông báo)") }
        buttons: [
            BigButton { objectName: "refuseConfirm"; text: app.lang, app.t("Từ chối và in thông báo"); tint: theme.danger
                        Layout.fillWidth: true
                        onClicked: if (detail.refuse(refuseReason.text)) { refuseReason.text = ""; refuseAsk.close() } },
            BigButton { text: app.lang, app.t("Huỷ"); tint: theme.muted; Layout.preferredWidth: 160
                        onClicked: refuseAsk.close() }
        ]
    }

    TouchDialog {
        id: factsDialog
        objectName: "factsDialog"
        property string docName: ""
        Connections {
            target: paperFacts
            function onChanged() {
                if (!paperFacts.busy && paperFacts.paperId !== "") {
                    factsNumber.text = paperFacts.number
                    factsIssued.text = paperFacts.issued
                    factsUntil.text = paperFacts.validUntil
                }
            }
            function onConfirmed() { factsDialog.close() }
        }
        Label { text: app.lang, app.t("Số, ngày cấp và hiệu lực của giấy tờ"); font.bold: true
                font.pixelSize: theme.title - 4; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Label { text: factsDialog.docName; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Label { objectName: "factsSource"; text: paperFacts.source; color: theme.muted
                font.pixelSize: theme.small; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Field { id: factsNumber; objectName: "factsNumber"; Layout.fillWidth: true
                label: app.lang, app.t("Số, ký hiệu") }
        Field { id: factsIssued; objectName: "factsIssued"; Layout.fillWidth: true
                label: app.lang, app.t("Ngày cấp (ngày/tháng/năm)") }
        Field { id: factsUntil; objectName: "factsUntil"; Layout.fillWidth: true
                label: app.lang, app.t("Có giá trị đến (để trống nếu không thời hạn)") }
        buttons: [
            BigButton { objectName: "factsConfirm"; text: app.lang, app.t("Xác nhận"); tint: theme.ok
                        Layout.fillWidth: true; enabled: !paperFacts.busy && paperFacts.paperId !== ""
                        onClicked: paperFacts.confirm(factsNumber.text, factsIssued.text, factsUntil.text) },
            BigButton { objectName: "factsCancel"; text: app.lang, app.t("Huỷ"); tint: theme.muted
                        Layout.preferredWidth: 160; onClicked: factsDialog.close() }
        ]
    }
}
