import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "../parts"
import "."

// Idle: the public posting of procedures, searchable without diacritics.
RowLayout {
    spacing: 20
    ColumnLayout {
        Layout.preferredWidth: 540
        Layout.maximumWidth: 540
        Layout.fillWidth: false
        Layout.fillHeight: true
        spacing: 10
        Label { text: citizen.lang, citizen.t("Thủ tục hành chính"); font.pixelSize: theme.title; font.bold: true
                color: theme.primary }
        Rectangle {
            objectName: "boardSearch"
            Layout.fillWidth: true
            Layout.preferredHeight: theme.touch
            radius: theme.radius
            color: "white"
            border.color: theme.primary
            Label {
                anchors.fill: parent; anchors.leftMargin: 14
                verticalAlignment: Text.AlignVCenter
                text: citizen.query !== "" ? citizen.query + "▏"
                      : (citizen.lang, citizen.t("Tìm thủ tục: chạm các chữ bên dưới (không cần dấu)"))
                color: citizen.query !== "" ? theme.ink : theme.muted
                font.pixelSize: theme.text
            }
        }
        ListView {
            objectName: "boardList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 6
            model: citizen.procedures
            delegate: Rectangle {
                objectName: "board_" + model.code
                width: ListView.view.width
                height: 76
                radius: theme.radius
                color: citizen.selected.code === model.code ? "#dbe8f5" : theme.card
                border.color: theme.line
                ColumnLayout {
                    anchors.fill: parent; anchors.margins: 10; spacing: 2
                    Label { text: model.name; font.bold: true; elide: Text.ElideRight; Layout.fillWidth: true }
                    Label { text: model.field + " · " + model.processing; color: theme.muted
                            font.pixelSize: theme.small; elide: Text.ElideRight; Layout.fillWidth: true }
                }
                MouseArea { anchors.fill: parent; onClicked: citizen.select(model.code) }
            }
        }
        CitizenKeypad {
            digits: citizen.receiptMode
            onKey: (ch) => citizen.typeKey(ch)
            onErase: citizen.eraseKey()
            onEnter: citizen.lookupReceipt(citizen.query)
        }
        Button {
            objectName: "receiptMode"
            visible: citizen.selfService
            focusPolicy: Qt.NoFocus
            Layout.fillWidth: true; Layout.preferredHeight: theme.touch
            text: citizen.lang, citizen.receiptMode ? citizen.t("◀ Tìm thủ tục")
                                                    : citizen.t("Tra cứu hồ sơ theo mã trên phiếu hẹn")
            onClicked: citizen.setReceiptMode(!citizen.receiptMode)
        }
    }
    Card {
        Layout.fillWidth: true
        Layout.fillHeight: true
        Flickable {
            anchors.fill: parent
            anchors.margins: 20
            clip: true
            contentHeight: detail.implicitHeight
            ColumnLayout {
                id: detail
                width: parent.width
                spacing: 10
                property var p: citizen.selected
                Label { visible: !detail.p.code; Layout.fillWidth: true; wrapMode: Text.Wrap
                        text: citizen.lang, citizen.t("Chạm vào một thủ tục để xem giấy tờ cần nộp, phí, lệ phí, thời hạn giải quyết và nơi trả kết quả.")
                        color: theme.muted; font.pixelSize: theme.text + 2 }
                RowLayout {
                    visible: !!detail.p.code
                    Layout.fillWidth: true
                    spacing: 16
                    ColumnLayout {
                        Layout.fillWidth: true
                        Label { objectName: "detailName"; text: detail.p.name || ""; font.pixelSize: theme.title
                                font.bold: true; wrapMode: Text.Wrap; Layout.fillWidth: true; color: theme.primary }
                        Label { text: (detail.p.code || "") + " · " + (detail.p.field || ""); color: theme.muted }
                    }
                    ColumnLayout {
                        visible: (detail.p.qr || []).length > 0
                        QrCode { rows: detail.p.qr || []; size: 150; objectName: "procedureQr" }
                        Label { text: citizen.lang, citizen.t("Quét để xem chi tiết"); font.pixelSize: theme.small
                                color: theme.muted; Layout.alignment: Qt.AlignHCenter }
                    }
                }
                Label { visible: !!detail.p.code; text: citizen.lang, citizen.t("Giấy tờ cần nộp"); font.bold: true }
                Repeater {
                    model: detail.p.documents || []
                    delegate: Label {
                        Layout.fillWidth: true; wrapMode: Text.Wrap
                        text: "• " + modelData.name + " — " + modelData.copyKind + ", " + modelData.count
                              + (modelData.mandatory ? "" : " (" + citizen.t("nếu có") + ")")
                    }
                }
                Label { visible: !!detail.p.code; text: citizen.lang, citizen.t("Phí, lệ phí"); font.bold: true }
                Repeater { model: detail.p.fees || []
                           delegate: Label { text: "• " + modelData; Layout.fillWidth: true; wrapMode: Text.Wrap } }
                Label { visible: !!detail.p.code; text: citizen.lang, citizen.t("Thời hạn giải quyết"); font.bold: true }
                Label { visible: !!detail.p.code; text: detail.p.processing || ""; Layout.fillWidth: true; wrapMode: Text.Wrap }
                Label { visible: !!detail.p.code; text: citizen.lang, citizen.t("Nơi trả kết quả"); font.bold: true }
                Label { visible: !!detail.p.code; text: detail.p.resultPlace || ""; Layout.fillWidth: true; wrapMode: Text.Wrap }
                Label { visible: !!detail.p.notes; text: detail.p.notes || ""; color: theme.muted
                        Layout.fillWidth: true; wrapMode: Text.Wrap; font.italic: true }
            }
        }
    }
}
