import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The token PIN pad: the sign-in screen's touch keypad in a modal popup. The PIN lives in
// this item only until OK hands it to signing.submitPin(); it is cleared whenever the pad
// closes, so nothing keeps it.
Popup {
    id: pad
    objectName: "signingPinPad"
    property string pin: ""
    parent: Overlay.overlay
    anchors.centerIn: parent
    width: 480
    modal: true
    closePolicy: Popup.NoAutoClose
    visible: signing.asking
    onVisibleChanged: pin = ""

    function press(key) {
        if (key === "⌫") pin = pin.slice(0, -1)
        else if (key === "OK") { if (pin.length) { var p = pin; pin = ""; signing.submitPin(p) } }
        else if (pin.length < 16) pin += key
    }

    onOpened: keys.forceActiveFocus()

    ColumnLayout {
        id: keys
        anchors.fill: parent
        spacing: theme.gap
        focus: true
        Keys.onPressed: (event) => {
            if (event.key >= Qt.Key_0 && event.key <= Qt.Key_9) { pad.press(event.text); event.accepted = true }
            else if (event.key === Qt.Key_Backspace) { pad.press("⌫"); event.accepted = true }
            else if (event.key === Qt.Key_Return || event.key === Qt.Key_Enter) { pad.press("OK"); event.accepted = true }
        }
        Label { text: app.lang, app.t("Mã PIN thẻ ký số"); font.pixelSize: theme.title; font.bold: true
                color: theme.primary; Layout.alignment: Qt.AlignHCenter }
        Label { objectName: "signingPurpose"; text: signing.purpose; wrapMode: Text.Wrap
                horizontalAlignment: Text.AlignHCenter; Layout.fillWidth: true; color: theme.muted }
        Label {
            objectName: "signingPinDots"
            text: pad.pin.length ? "●".repeat(pad.pin.length) : " "
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
                    objectName: "signPinKey_" + modelData
                    text: modelData === "OK" ? (app.lang, app.t("Ký số")) : modelData
                    tint: modelData === "OK" ? theme.ok : theme.primary
                    Layout.preferredWidth: 120
                    Layout.preferredHeight: 72
                    font.pixelSize: theme.title
                    onClicked: pad.press(modelData)
                }
            }
        }
        BigButton {
            objectName: "signPinSkip"
            text: signing.canSkip ? (app.lang, app.t("Bỏ qua, lưu chưa ký số")) : (app.lang, app.t("Huỷ"))
            tint: theme.muted
            Layout.fillWidth: true
            Layout.preferredHeight: theme.touch
            onClicked: { pad.pin = ""; signing.skip() }
        }
    }
}
