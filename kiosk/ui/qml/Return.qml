import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

Flickable {
    id: screen
    contentHeight: col.implicitHeight + 48
    clip: true
    property bool proxy: false

    ColumnLayout {
        id: col
        x: 24; y: 24
        width: screen.width - 48
        spacing: theme.gap

        Label { text: app.lang, app.t("Trả kết quả"); font.pixelSize: theme.title; font.bold: true }
        Label { text: app.lang, app.t("Quét mã vạch trên phiếu hẹn của công dân, hoặc nhập mã hồ sơ, họ tên, số CCCD.")
                color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
        RowLayout {
            Layout.fillWidth: true
            TextField {
                id: query
                objectName: "returnQuery"
                Layout.fillWidth: true
                Layout.preferredHeight: theme.touch
                font.pixelSize: theme.text
                // Words, not a sample code: a sample looks like a code already read.
                placeholderText: app.lang, app.t("Quét mã vạch trên phiếu hẹn, hoặc gõ mã hồ sơ, họ tên, số CCCD")
                onAccepted: returns.find(text)
            }
            BigButton { text: app.lang, app.t("Tìm"); Layout.preferredWidth: 160; onClicked: returns.find(query.text) }
        }

        Label { text: returns.matchesTitle; visible: text !== "" && returns.dossier.code === undefined
                font.bold: true }
        ListView {
            objectName: "returnMatches"
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(contentHeight, 320)
            visible: returns.matches.count > 0 && returns.dossier.code === undefined
            clip: true
            model: returns.matches
            delegate: DossierRow { onClicked: returns.find(model.code) }
        }

        Card {
            objectName: "returnCard"
            Layout.fillWidth: true
            visible: returns.dossier.code !== undefined
            implicitHeight: rc.implicitHeight + 32
            ColumnLayout {
                id: rc
                anchors.fill: parent
                anchors.margins: theme.gap
                spacing: 8
                Label { text: returns.dossier.code || ""; font.pixelSize: theme.title; font.bold: true; color: theme.primary }
                Label { text: returns.dossier.procedure || ""; wrapMode: Text.Wrap; Layout.fillWidth: true }
                Label { text: (returns.dossier.name || "") + (returns.dossier.idNumber ? "  ·  " + returns.dossier.idNumber : "") }
                Label { objectName: "returnStatus"; text: returns.dossier.statusLabel || ""; font.bold: true
                        color: returns.dossier.canReturn || returns.dossier.justReturned ? theme.ok : theme.warn }
                Label { objectName: "returnAdvice"; text: returns.dossier.advice || ""; wrapMode: Text.Wrap
                        Layout.fillWidth: true; font.pixelSize: theme.text
                        color: returns.dossier.justReturned ? theme.ok : theme.ink
                        font.bold: returns.dossier.justReturned === true }

                ColumnLayout {
                    visible: returns.dossier.canReturn === true && !returns.returned
                    Layout.fillWidth: true
                    spacing: 8
                    RowLayout {
                        spacing: theme.gap
                        RadioButton { text: app.lang, app.t("Chính chủ nhận"); checked: !screen.proxy
                                      implicitHeight: theme.touch; indicator.width: 36; indicator.height: 36
                                      onClicked: screen.proxy = false; font.pixelSize: theme.text }
                        RadioButton { objectName: "proxyRadio"; text: app.lang, app.t("Người được ủy quyền nhận")
                                      implicitHeight: theme.touch; indicator.width: 36; indicator.height: 36
                                      checked: screen.proxy; onClicked: screen.proxy = true; font.pixelSize: theme.text }
                    }
                    Field { id: whoName; visible: screen.proxy; Layout.fillWidth: true; label: app.lang, app.t("Họ tên người nhận") }
                    Field { id: whoId; visible: screen.proxy; Layout.fillWidth: true; label: app.lang, app.t("Số CCCD/CMND người nhận")
                            hints: Qt.ImhDigitsOnly }
                    BigButton {
                        objectName: "handOverButton"
                        text: app.lang, app.t("Xác nhận đã trả kết quả")
                        tint: theme.ok
                        Layout.fillWidth: true
                        onClicked: returns.handOver(screen.proxy, whoName.text, whoId.text)
                    }
                }
                Button { text: app.lang, app.t("Xem chi tiết hồ sơ"); Layout.preferredHeight: theme.touch
                         onClicked: app.go("detail", returns.dossier.code) }
            }
        }
    }
}
