import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"
import "citizen"

// The citizen's screen. Its engine holds only the `citizen` model (see citizen_window.py).
ApplicationWindow {
    id: win
    width: 1280
    height: 800
    visible: true
    title: "Màn hình công dân"
    color: theme.page
    font.family: appFontFamily
    font.pixelSize: theme.text + 2
    objectName: "citizenWindow"

    Theme { id: theme }

    header: Rectangle {
        height: 84
        color: theme.primary
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 24
            anchors.rightMargin: 16
            spacing: 12
            ColumnLayout {
                Layout.fillWidth: true
                spacing: 0
                Label { text: citizen.unitName; color: "white"; font.pixelSize: theme.title; font.bold: true }
                Label { text: citizen.lang, citizen.t("Bộ phận Tiếp nhận và Trả kết quả"); color: "#dce8f3"
                        font.pixelSize: theme.small }
            }
            Button {  // issue 27: priority first within the group
                objectName: "priorityButton"
                visible: citizen.priorities.length > 0
                         && ["check", "rating", "payment", "booking"].indexOf(citizen.mode) < 0
                Layout.preferredHeight: 64
                Layout.preferredWidth: 170
                text: citizen.lang, (citizen.priority
                      ? citizen.priorities.find(p => p.key === citizen.priority).name
                      : citizen.t("Ưu tiên"))
                font.pixelSize: theme.text
                font.bold: !!citizen.priority
                onClicked: priorityPick.open()
            }
            Button {  // issue 27: book a time at the self-service screen
                objectName: "bookButton"
                visible: citizen.selfService && booking.groups.length > 0
                         && ["check", "rating", "payment", "booking"].indexOf(citizen.mode) < 0
                Layout.preferredHeight: 64
                Layout.preferredWidth: 190
                text: citizen.lang, citizen.t("Đặt lịch hẹn")
                font.pixelSize: theme.text
                font.bold: true
                focusPolicy: Qt.NoFocus
                onClicked: booking.start()
            }
            Repeater {
                model: citizen.queueServices
                delegate: Button {
                    objectName: "takeTicket_" + modelData.code
                    Layout.preferredHeight: 64
                    Layout.preferredWidth: 210
                    // Not while a citizen at the counter checks, rates or pays: one thing at a time
                    // (after the thank-you, the next citizen may take a number at once).
                    visible: ["check", "rating", "payment", "booking"].indexOf(citizen.mode) < 0
                    onClicked: citizen.takeTicket(modelData.code)
                    contentItem: ColumnLayout {
                        spacing: 0
                        Label { text: citizen.lang, citizen.t("Lấy số"); color: theme.primary; font.bold: true
                                font.pixelSize: theme.text + 2; Layout.alignment: Qt.AlignHCenter }
                        Label { text: modelData.name; color: theme.muted; font.pixelSize: theme.small - 1
                                Layout.alignment: Qt.AlignHCenter; elide: Text.ElideRight
                                Layout.maximumWidth: 190 }
                    }
                    background: Rectangle { radius: theme.radius; color: parent.down ? "#dfe8f1" : "white" }
                }
            }
        }
    }

    Popup {  // who the law and custom serve first (queue.priorities)
        id: priorityPick
        objectName: "priorityPick"
        modal: true
        anchors.centerIn: parent
        padding: 24
        ColumnLayout {
            spacing: 12
            Label { text: citizen.lang, citizen.t("Ông/bà thuộc đối tượng ưu tiên nào?")
                    font.pixelSize: theme.title; font.bold: true }
            Repeater {
                model: citizen.priorities
                delegate: Button {
                    objectName: "priority_" + modelData.key
                    text: modelData.name
                    font.pixelSize: theme.text + 2
                    Layout.fillWidth: true; Layout.preferredHeight: 64
                    onClicked: { citizen.setPriority(modelData.key); priorityPick.close() }
                }
            }
            Button {
                objectName: "priority_none"
                text: citizen.lang, citizen.t("Không ưu tiên")
                Layout.fillWidth: true; Layout.preferredHeight: 64
                onClicked: { citizen.setPriority(""); priorityPick.close() }
            }
            Label { text: citizen.lang, citizen.t("Sau khi chọn, bấm «Lấy số» của nhóm cần làm.")
                    color: theme.muted; font.pixelSize: theme.small }
        }
    }

    StackLayout {
        anchors.fill: parent
        anchors.margins: 20
        currentIndex: ({"board": 0, "procedure": 0, "check": 1, "rating": 2, "thanks": 2,
                        "ticket": 3, "called": 4, "status": 5, "payment": 6,
                        "booking": 7})[citizen.mode] || 0
        CitizenBoard { }
        CitizenCheck { }
        CitizenRating { }
        CitizenTicket { }
        CitizenCalled { }
        CitizenStatus { }
        CitizenPayment { }
        CitizenBooking { }
    }

    // A call while the citizen is busy with the check or the rating: a banner, not a switch.
    Rectangle {
        objectName: "calledBanner"
        visible: citizen.called.label !== undefined && citizen.mode !== "called"
                 && (citizen.mode === "check" || citizen.mode === "rating")
        anchors.bottom: parent.bottom
        width: parent.width
        height: 56
        color: theme.accent
        Label { anchors.centerIn: parent; color: "white"; font.bold: true
                text: citizen.lang, citizen.tf("Mời số {label} đến quầy {counter}",
                                              {"label": citizen.called.label || "", "counter": citizen.called.counter || ""}) }
    }

    Toast { id: toast; z: 50 }
    Connections {
        target: citizen
        function onMessage(text) { toast.show(text, "error") }
    }
}
