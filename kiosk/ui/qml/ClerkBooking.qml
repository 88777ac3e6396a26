import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"
import "citizen"

// Booking a time for a citizen at the counter (issue 27): one page per step, each short, so
// that with the on-screen keyboard up the phone field stays above the keys without scrolling
// (the buttons are in the dialog's fixed row, above the keys whatever the step).
// The view model is the citizen screen's (clerkBooking, kiosk/ui/clerk_booking.py).
TouchDialog {
    id: dlg
    objectName: "clerkBookDialog"
    preferredWidth: 960
    readonly property string step: clerkBooking.step
    onClosed: clerkBooking.close()

    RowLayout {
        Layout.fillWidth: true
        Label { text: app.lang, app.t("Đặt lịch hẹn cho công dân"); font.bold: true
                font.pixelSize: theme.title - 4; Layout.fillWidth: true }
        Label { objectName: "clerkBookSummary"; text: clerkBooking.summary; color: theme.primary
                font.pixelSize: theme.text; font.bold: true }
    }

    // A refusal stays here, in the dialog, until the next tap.
    Label {
        objectName: "clerkBookProblem"
        visible: clerkBooking.problem !== ""
        text: clerkBooking.problem
        color: theme.danger; font.bold: true; font.pixelSize: theme.text
        wrapMode: Text.Wrap; Layout.fillWidth: true
    }

    // 1. The group (when the unit books more than one).
    Label { visible: dlg.step === "group" || (dlg.step === "day" && clerkBooking.groups.length > 1)
            text: app.lang, app.t("Nhóm thủ tục"); color: theme.muted }
    Flow {
        visible: dlg.step === "group" || (dlg.step === "day" && clerkBooking.groups.length > 1)
        Layout.fillWidth: true; spacing: 8
        Repeater {
            model: clerkBooking.groups
            delegate: Button {
                objectName: "clerkBookGroup_" + modelData.code
                text: modelData.code + " — " + modelData.name
                highlighted: clerkBooking.group === modelData.code
                height: theme.touch; leftPadding: 20; rightPadding: 20
                enabled: !clerkBooking.busy
                onClicked: { clerkBooking.clearProblem(); clerkBooking.chooseGroup(modelData.code) }
            }
        }
    }

    // 2. The day: closed days are shown too, greyed; a tap on one says why it is closed.
    Label { visible: dlg.step === "day"; text: app.lang, app.t("Ngày hẹn"); color: theme.muted }
    Flow {
        visible: dlg.step === "day"
        Layout.fillWidth: true; spacing: 8
        Repeater {
            model: clerkBooking.days
            delegate: Button {
                objectName: "clerkBookDay_" + modelData.day
                text: modelData.open ? modelData.label
                                     : (app.lang, app.tf("{day} · nghỉ", {"day": modelData.label}))
                width: modelData.open ? 150 : 200; height: theme.touch
                highlighted: modelData.open
                flat: !modelData.open
                enabled: !clerkBooking.busy
                onClicked: { clerkBooking.clearProblem(); clerkBooking.chooseDay(modelData.day) }
            }
        }
    }

    // 3. A free slot of that day.
    Label { visible: dlg.step === "slot"
            text: clerkBooking.slots.length > 0 ? (app.lang, app.t("Chọn khung giờ còn chỗ"))
                                                : (app.lang, app.t("Ngày này không còn khung giờ nào."))
            color: theme.muted }
    Flow {
        visible: dlg.step === "slot"
        Layout.fillWidth: true; spacing: 8
        Repeater {
            model: clerkBooking.slots
            delegate: Button {
                objectName: "clerkBookSlot_" + modelData.time.replace(":", "")
                text: modelData.free > 0
                      ? (app.lang, app.tf("{time} · còn {n} chỗ", {"time": modelData.time, "n": modelData.free}))
                      : (app.lang, app.tf("{time} · hết chỗ", {"time": modelData.time}))
                enabled: modelData.free > 0 && !clerkBooking.busy
                width: 170; height: theme.touch
                onClicked: { clerkBooking.clearProblem(); clerkBooking.chooseSlot(modelData.at) }
            }
        }
    }

    // 4. Who: the phone typed, or the CCCD read by the reader.
    Field {
        id: phone
        objectName: "clerkBookPhone"
        visible: dlg.step === "contact"
        Layout.fillWidth: true
        label: app.lang, app.t("Số điện thoại của công dân (hoặc đưa CCCD vào đầu đọc)")
        placeholder: "09xxxxxxxx"
        hints: Qt.ImhDigitsOnly
    }
    Connections {
        target: phone.input
        function onTextEdited() { clerkBooking.clearProblem(); clerkBooking.setPhone(phone.text) }
    }
    Label {
        objectName: "clerkBookCccd"
        visible: dlg.step === "contact" && clerkBooking.cccdShown !== ""
        text: app.lang, app.tf("Đặt bằng CCCD số {number}", {"number": clerkBooking.cccdShown})
        font.bold: true; color: theme.ok
    }

    // 5. Made: the code, its QR, and whether the slip printed.
    RowLayout {
        visible: dlg.step === "done"
        Layout.fillWidth: true; spacing: theme.gap
        QrCode { rows: clerkBooking.made.qr || []; size: 160 }
        ColumnLayout {
            Layout.fillWidth: true
            Label { text: app.lang, app.t("Mã lịch hẹn"); color: theme.muted }
            Label { objectName: "clerkBookCode"; text: clerkBooking.made.code || ""
                    font.pixelSize: theme.huge; font.bold: true; color: theme.primary }
            Label { text: clerkBooking.made.when || ""; font.pixelSize: theme.text }
            Label { objectName: "clerkBookPrinted"
                    text: clerkBooking.made.print ? (app.lang, app.t("Đã in phiếu hẹn ở máy in phiếu thứ tự."))
                                                   : (app.lang, app.t("Chưa in được phiếu hẹn: đọc mã cho công dân ghi lại."))
                    color: clerkBooking.made.print ? theme.ok : theme.danger
                    wrapMode: Text.Wrap; Layout.fillWidth: true }
        }
    }

    // Always in sight, above the keys too (parts/TouchDialog.qml).
    buttons: [
        Button { objectName: "clerkBookBack"; text: app.lang, app.t("◀ Quay lại")
                 visible: dlg.step === "slot" || dlg.step === "contact"
                 enabled: !clerkBooking.busy
                 Layout.preferredHeight: theme.touch; leftPadding: 20; rightPadding: 20
                 onClicked: { clerkBooking.clearProblem()
                              clerkBooking.back(dlg.step === "contact" ? "slot" : "day") } },
        Item { Layout.fillWidth: true },
        BusyIndicator { running: clerkBooking.busy; visible: running
                        Layout.preferredHeight: theme.touch },
        BigButton { objectName: "clerkBookConfirm"; text: app.lang, app.t("Đặt lịch và in phiếu")
                    visible: dlg.step === "contact"
                    enabled: clerkBooking.contactOk && !clerkBooking.busy
                    Layout.preferredWidth: 300
                    onClicked: { clerkBooking.clearProblem(); clerkBooking.confirm() } },
        BigButton { objectName: "clerkBookAnother"; text: app.lang, app.t("Đặt lịch khác")
                    visible: dlg.step === "done"; Layout.preferredWidth: 240
                    onClicked: { phone.text = ""; clerkBooking.open() } },
        BigButton { objectName: "clerkBookClose"; text: app.lang, app.t("Đóng"); tint: theme.muted
                    Layout.preferredWidth: 160
                    onClicked: dlg.close() }
    ]

    // The field shows the phone the view model keeps (digits only; emptied by a CCCD read).
    Connections {
        target: clerkBooking
        function onChanged() { if (phone.text !== clerkBooking.phone) phone.text = clerkBooking.phone }
    }
}
