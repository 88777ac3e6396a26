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
            Repeater {
                model: citizen.queueServices
                delegate: Button {
                    objectName: "takeTicket_" + modelData.code
                    Layout.preferredHeight: 64
                    Layout.preferredWidth: 210
                    // Not while a citizen at the counter checks, rates or pays: one thing at a time
                    // (after the thank-you, the next citizen may take a number at once).
                    visible: ["check", "rating", "payment"].indexOf(citizen.mode) < 0
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

    StackLayout {
        anchors.fill: parent
        anchors.margins: 20
        currentIndex: ({"board": 0, "procedure": 0, "check": 1, "rating": 2, "thanks": 2,
                        "ticket": 3, "called": 4, "status": 5, "payment": 6})[citizen.mode] || 0
        CitizenBoard { }
        CitizenCheck { }
        CitizenRating { }
        CitizenTicket { }
        CitizenCalled { }
        CitizenStatus { }
        CitizenPayment { }
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
