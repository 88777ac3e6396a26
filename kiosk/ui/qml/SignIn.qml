import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

Item {
    id: screen
    property string pin: ""

    function press(key) {
        if (app.checkingPin) return
        if (key === "⌫") pin = pin.slice(0, -1)
        // Checked off the GUI thread; a wrong PIN comes back as a message.
        else if (key === "OK") { app.enterPin(pin); pin = "" }
        else if (pin.length < 8) pin += key
    }

    Card {
        anchors.centerIn: parent
        width: 460
        height: col.implicitHeight + 48
        ColumnLayout {
            id: col
            anchors.fill: parent
            anchors.margins: 24
            spacing: theme.gap
            Label { text: app.unitName; font.pixelSize: theme.title; font.bold: true
                    color: theme.primary; Layout.alignment: Qt.AlignHCenter }
            Label { text: app.lang, app.t("Bộ phận Tiếp nhận và Trả kết quả")
                    color: theme.muted; Layout.alignment: Qt.AlignHCenter }
            Label { text: app.checkingPin ? (app.lang, app.t("Đang kiểm tra mã PIN…"))
                                          : (app.lang, app.t("Nhập mã PIN để đăng nhập"))
                    Layout.alignment: Qt.AlignHCenter }
            Label {
                objectName: "pinDots"
                text: screen.pin.length ? "●".repeat(screen.pin.length) : " "
                font.pixelSize: theme.huge; Layout.alignment: Qt.AlignHCenter
                Layout.preferredHeight: theme.huge + 12
            }
            GridLayout {
                columns: 3
                rowSpacing: 10
                columnSpacing: 10
                Layout.alignment: Qt.AlignHCenter
                Repeater {
                    model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
                    delegate: BigButton {
                        objectName: "pinKey_" + modelData
                        text: modelData === "OK" ? (app.lang, app.t("Vào")) : modelData
                        tint: modelData === "OK" ? theme.ok : theme.primary
                        Layout.preferredWidth: 120
                        Layout.preferredHeight: 76
                        font.pixelSize: theme.title
                        // A tapped key must not take the keyboard focus from the screen,
                        // or digits typed on a physical keyboard would go nowhere.
                        focusPolicy: Qt.NoFocus
                        onClicked: screen.press(modelData)
                    }
                }
            }
        }
    }
    focus: true
    // The Loader holding this screen is no focus scope: take the focus, so a physical
    // keyboard (digits, Backspace, Enter) works the pad from the start.
    Component.onCompleted: screen.forceActiveFocus()
    Keys.onPressed: (event) => {
        if (event.key >= Qt.Key_0 && event.key <= Qt.Key_9) { press(event.text); event.accepted = true }
        else if (event.key === Qt.Key_Backspace) { press("⌫"); event.accepted = true }
        else if (event.key === Qt.Key_Return || event.key === Qt.Key_Enter) { press("OK"); event.accepted = true }
    }
}
