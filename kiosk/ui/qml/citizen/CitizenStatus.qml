import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "../parts"

// Status by receipt (self-service): status, due time, what to bring; initials only.
Card {
    property var s: citizen.status
    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 32
        spacing: 14
        Label { text: citizen.lang, citizen.t("Tình trạng hồ sơ"); font.pixelSize: theme.title; color: theme.muted }
        Label { objectName: "statusCode"; text: s.code || ""; font.pixelSize: theme.title + 4; font.bold: true; color: theme.primary }
        Label { text: s.procedure || ""; Layout.fillWidth: true; wrapMode: Text.Wrap }
        Label { visible: !!s.initials; color: theme.muted
                text: citizen.lang, citizen.tf("Người nộp: {initials}", {"initials": s.initials || ""}) }
        Label { objectName: "statusLabel"; text: s.statusLabel || ""; font.pixelSize: theme.huge; font.bold: true
                color: s.status === 9 ? theme.ok : theme.ink }
        Label { objectName: "statusDue"; visible: !!s.due; font.pixelSize: theme.title
                text: citizen.lang, citizen.tf("Hẹn trả kết quả: {due}", {"due": s.due || ""}) }
        Label { objectName: "statusAdvice"; text: s.advice || ""; font.pixelSize: theme.title; Layout.fillWidth: true; wrapMode: Text.Wrap }
        Label { visible: (s.bring || []).length > 0; text: citizen.lang, citizen.t("Khi đến nhận, xin mang theo:"); font.bold: true }
        Repeater { model: s.bring || []
                   delegate: Label { text: "• " + modelData; Layout.fillWidth: true; wrapMode: Text.Wrap } }
        Item { Layout.fillHeight: true }
        BigButton { objectName: "statusDone"; text: citizen.lang, citizen.t("Xong"); Layout.preferredWidth: 240
                    onClicked: citizen.backToBoard() }
    }
}
