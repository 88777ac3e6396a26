import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "../parts"
import "."

// Booking a time at the self-service screen (issue 27): group, day, free slot, phone or
// CCCD, consent to be sent the code; then the code, its QR and the printed slip.
Card {
    id: card
    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: 14
        RowLayout {
            Layout.fillWidth: true
            ColumnLayout {
                Layout.fillWidth: true
                spacing: 2
                Label { text: citizen.lang, citizen.t("Đặt lịch hẹn"); font.pixelSize: theme.title
                        font.bold: true; color: theme.primary }
                Label { objectName: "bookSummary"; text: booking.summary; color: theme.muted
                        font.pixelSize: theme.text; visible: text !== "" }
            }
            Item { Layout.fillWidth: true }
            BusyIndicator { running: booking.busy; visible: booking.busy }
            Button {
                objectName: "bookCancel"
                visible: booking.step !== "done"
                text: citizen.lang, citizen.t("Huỷ, quay lại")
                Layout.preferredHeight: theme.touch; Layout.preferredWidth: 200
                font.pixelSize: theme.text
                focusPolicy: Qt.NoFocus
                onClicked: citizen.backToBoard()
            }
        }

        // 1. the group
        ColumnLayout {
            visible: booking.step === "group"
            spacing: 12
            Label { text: citizen.lang, citizen.t("Ông/bà cần làm thủ tục thuộc nhóm nào?")
                    font.pixelSize: theme.title }
            Repeater {
                model: booking.groups
                delegate: BigButton {
                    objectName: "bookGroup_" + modelData.code
                    text: modelData.name
                    Layout.preferredWidth: 520
                    onClicked: booking.chooseGroup(modelData.code)
                }
            }
        }

        // 2. the day
        ColumnLayout {
            visible: booking.step === "day"
            spacing: 12
            Label { text: citizen.lang, citizen.t("Chọn ngày hẹn"); font.pixelSize: theme.title }
            Label { visible: booking.days.length === 0; color: theme.muted
                    text: citizen.lang, citizen.t("Không còn ngày nào nhận đặt hẹn.") }
            GridLayout {
                columns: 5
                columnSpacing: 12; rowSpacing: 12
                Repeater {
                    model: booking.days
                    delegate: BigButton {
                        objectName: "bookDay_" + modelData.day
                        text: modelData.label
                        Layout.preferredWidth: 210
                        onClicked: booking.chooseDay(modelData.day)
                    }
                }
            }
            Button {
                objectName: "bookBackGroup"
                visible: booking.groups.length > 1
                text: citizen.lang, citizen.t("◀ Chọn nhóm khác")
                Layout.preferredHeight: theme.touch; focusPolicy: Qt.NoFocus
                onClicked: booking.back("group")
            }
        }

        // 3. a free slot
        ColumnLayout {
            visible: booking.step === "slot"
            spacing: 12
            Label { text: citizen.lang, citizen.t("Chọn giờ hẹn (số chỗ còn trống)"); font.pixelSize: theme.title }
            Label { visible: booking.slots.length === 0; color: theme.muted; font.pixelSize: theme.text + 2
                    text: citizen.lang, citizen.t("Ngày này không còn giờ hẹn nào: chọn ngày khác.") }
            GridLayout {
                columns: 6
                columnSpacing: 10; rowSpacing: 10
                Repeater {
                    model: booking.slots
                    delegate: BigButton {
                        objectName: "bookSlot_" + modelData.time.replace(":", "")
                        text: modelData.time
                        sub: citizen.lang, modelData.free > 0
                             ? citizen.tf("Còn {n} chỗ", {"n": modelData.free}) : citizen.t("Hết chỗ")
                        enabled: modelData.free > 0 && !booking.busy
                        Layout.preferredWidth: 170
                        onClicked: booking.chooseSlot(modelData.at)
                    }
                }
            }
            Button {
                objectName: "bookBackDay"
                text: citizen.lang, citizen.t("◀ Chọn ngày khác")
                Layout.preferredHeight: theme.touch; focusPolicy: Qt.NoFocus
                onClicked: booking.back("day")
            }
        }

        // 4. who: a phone number typed here, or the CCCD held to the reader
        RowLayout {
            visible: booking.step === "contact"
            spacing: 32
            ColumnLayout {
                spacing: 12
                Label { text: citizen.lang, citizen.t("Số điện thoại của ông/bà"); font.pixelSize: theme.title }
                Rectangle {
                    objectName: "bookPhone"
                    Layout.preferredWidth: 420; Layout.preferredHeight: theme.touch
                    radius: theme.radius; color: "white"; border.color: theme.primary
                    Label { anchors.centerIn: parent; font.pixelSize: theme.title; font.bold: true
                            text: booking.phone !== "" ? booking.phone
                                  : (citizen.lang, citizen.t("Chạm các số bên dưới"))
                            color: booking.phone !== "" ? theme.ink : theme.muted }
                }
                GridLayout {
                    columns: 3
                    columnSpacing: 8; rowSpacing: 8
                    Repeater {
                        model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0"]
                        delegate: Button {
                            objectName: modelData === "⌫" ? "bookKey_back" : "bookKey_" + modelData
                            text: modelData
                            font.pixelSize: theme.title
                            Layout.preferredWidth: 120; Layout.preferredHeight: 60
                            focusPolicy: Qt.NoFocus
                            onClicked: modelData === "⌫" ? booking.eraseKey() : booking.typeKey(modelData)
                        }
                    }
                }
            }
            ColumnLayout {
                Layout.alignment: Qt.AlignTop
                Layout.fillWidth: true
                spacing: 14
                Label { text: citizen.lang, citizen.t("Hoặc đưa mã QR trên thẻ CCCD vào đầu đọc.")
                        font.pixelSize: theme.title; wrapMode: Text.Wrap; Layout.fillWidth: true }
                Label { objectName: "bookCccd"; visible: booking.cccdShown !== ""
                        font.pixelSize: theme.title; font.bold: true; color: theme.ok
                        text: citizen.lang, citizen.tf("Đã đọc CCCD số {id}", {"id": booking.cccdShown}) }
                Label { text: citizen.lang, citizen.t("Số này chỉ dùng để tránh một người giữ hai chỗ trong cùng một giờ.")
                        color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
                BigButton {
                    objectName: "bookContactNext"
                    text: citizen.lang, citizen.t("Tiếp tục")
                    enabled: booking.contactOk
                    Layout.preferredWidth: 300
                    onClicked: booking.toNotify()
                }
                Button {
                    objectName: "bookBackSlot"
                    text: citizen.lang, citizen.t("◀ Chọn giờ khác")
                    Layout.preferredHeight: theme.touch; focusPolicy: Qt.NoFocus
                    onClicked: booking.back("slot")
                }
            }
        }

        // 5. may we send the code? (the notices of the one-stop centre)
        RowLayout {
            visible: booking.step === "notify"
            spacing: 24
            ColumnLayout {
                Layout.alignment: Qt.AlignTop
                Layout.preferredWidth: 560
                spacing: 12
                Label { text: citizen.lang, citizen.t("Gửi mã hẹn cho ông/bà?"); font.pixelSize: theme.title }
                Button {
                    objectName: "bookSms"
                    visible: booking.phone !== ""
                    checkable: true
                    checked: booking.sms
                    Layout.fillWidth: true; Layout.preferredHeight: theme.touch
                    font.pixelSize: theme.text + 2
                    focusPolicy: Qt.NoFocus
                    text: (booking.sms ? "☑ " : "☐ ") + (citizen.lang, citizen.tf(
                          "Nhắn tin (SMS) đến số {phone}", {"phone": booking.phone}))
                    onClicked: booking.setSms(!booking.sms)
                }
                Button {
                    objectName: "bookMail"
                    checkable: true
                    checked: booking.mail
                    Layout.fillWidth: true; Layout.preferredHeight: theme.touch
                    font.pixelSize: theme.text + 2
                    focusPolicy: Qt.NoFocus
                    text: (booking.mail ? "☑ " : "☐ ") + (citizen.lang, citizen.t("Gửi e-mail"))
                    onClicked: booking.setMail(!booking.mail)
                }
                Rectangle {
                    objectName: "bookEmail"
                    visible: booking.mail
                    Layout.fillWidth: true; Layout.preferredHeight: theme.touch
                    radius: theme.radius; color: "white"
                    border.color: booking.emailOk || booking.email === "" ? theme.primary : theme.danger
                    Label { anchors.fill: parent; anchors.leftMargin: 14; verticalAlignment: Text.AlignVCenter
                            font.pixelSize: theme.text + 2; elide: Text.ElideLeft
                            text: booking.email !== "" ? booking.email + "▏"
                                  : (citizen.lang, citizen.t("Địa chỉ e-mail: chạm các phím bên phải"))
                            color: booking.email !== "" ? theme.ink : theme.muted }
                }
                Label { text: citizen.lang, citizen.t("Chọn là ông/bà đồng ý nhận tin về lịch hẹn này qua kênh đã chọn; không chọn thì chỉ có phiếu in.")
                        color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
                BigButton {
                    objectName: "bookConfirm"
                    text: citizen.lang, citizen.t("Đặt hẹn")
                    enabled: !booking.busy && (!booking.mail || booking.emailOk)
                    Layout.preferredWidth: 300
                    onClicked: booking.confirm()
                }
            }
            CitizenKeypad {
                visible: booking.mail
                Layout.alignment: Qt.AlignTop
                digits: true
                extra: "@_"
                onKey: (ch) => booking.typeKey(ch)
                onErase: booking.eraseKey()
            }
        }

        // 6. the code
        RowLayout {
            visible: booking.step === "done"
            spacing: 40
            QrCode { objectName: "bookQr"; rows: booking.made.qr || []; size: 260 }
            ColumnLayout {
                spacing: 10
                Label { text: citizen.lang, citizen.t("Mã hẹn của ông/bà"); font.pixelSize: theme.title; color: theme.muted }
                Label { objectName: "bookCode"; text: booking.made.code || ""; font.pixelSize: 96; font.bold: true
                        color: theme.primary; font.letterSpacing: 4 }
                Label { objectName: "bookWhen"; font.pixelSize: theme.title; font.bold: true
                        text: (booking.made.serviceName || "") + " · " + (booking.made.when || "") }
                Label { visible: !!booking.made.print; font.pixelSize: theme.text + 2
                        text: citizen.lang, citizen.t("Mời nhận phiếu hẹn vừa in.") }
                Label { objectName: "bookSent"; visible: (booking.made.notices || []).length > 0
                        font.pixelSize: theme.text + 2; color: theme.ok
                        text: citizen.lang, citizen.t("Mã hẹn cũng được gửi tới ông/bà theo kênh đã chọn.") }
                Label { Layout.maximumWidth: 700; wrapMode: Text.Wrap; font.pixelSize: theme.text + 2
                        text: citizen.lang, citizen.t("Khi đến, đưa mã QR trên phiếu vào đầu đọc ở đây để nhận số: ông/bà được gọi trước người không hẹn trong giờ hẹn.") }
                BigButton { objectName: "bookDone"; text: citizen.lang, citizen.t("Xong")
                            Layout.preferredWidth: 240; onClicked: citizen.backToBoard() }
            }
        }
        Item { Layout.fillHeight: true }
    }
}
