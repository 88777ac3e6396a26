import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "../parts"

// The ticket just taken (also printed).
Card {
    ColumnLayout {
        anchors.centerIn: parent
        spacing: 12
        Label { text: citizen.lang, citizen.t("Số thứ tự của ông/bà"); font.pixelSize: theme.title
                Layout.alignment: Qt.AlignHCenter; color: theme.muted }
        Label { objectName: "ticketLabel"; text: citizen.ticket.label || ""; font.pixelSize: 150; font.bold: true
                color: theme.primary; Layout.alignment: Qt.AlignHCenter }
        Label { text: citizen.ticket.serviceName || ""; font.pixelSize: theme.title; font.bold: true
                Layout.alignment: Qt.AlignHCenter }
        Label { objectName: "ticketBooking"; visible: !!citizen.ticket.booking
                Layout.alignment: Qt.AlignHCenter; font.pixelSize: theme.title; color: theme.ok
                Layout.maximumWidth: 1100; wrapMode: Text.Wrap; horizontalAlignment: Text.AlignHCenter
                text: citizen.lang, citizen.ticket.booking
                      ? citizen.tf("Lịch hẹn {code} lúc {time}: ông/bà được gọi trước người không hẹn đến {until}.",
                                   citizen.ticket.booking) : "" }
        Label { objectName: "ticketAhead"; Layout.alignment: Qt.AlignHCenter; font.pixelSize: theme.title
                text: citizen.lang, (citizen.ticket.ahead || 0) > 0
                      ? citizen.tf("Số người đang chờ trước: {n}", {"n": citizen.ticket.ahead})
                      : citizen.t("Không có ai chờ trước ông/bà.") }
        Label { text: citizen.lang, citizen.t("Mời ông/bà nhận phiếu và chờ gọi số."); color: theme.muted
                Layout.alignment: Qt.AlignHCenter }
    }
}
