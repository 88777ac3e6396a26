import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

Item {
    id: screen
    Component.onCompleted: { settings.load(); settings.findDevices() }

    RowLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: 24
        ListView {
            id: settingsView
            objectName: "settingsList"
            // The row being typed into stays in sight: the keys come up and the list gets
            // shorter, which alone would leave a row below the middle under the keys (only
            // rows at the very end were lifted, by the list's own bounds).
            property int editingIndex: -1
            function keepInSight(i) {
                var item = itemAtIndex(i)
                if (!item || item.y < contentY || item.y + item.height > contentY + height)
                    positionViewAtIndex(i, ListView.Contain)
            }
            onHeightChanged: if (editingIndex >= 0) keepInSight(editingIndex)
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 4
            model: settings.rows
            section.property: "group"
            section.delegate: Label { text: section; font.bold: true; font.pixelSize: theme.title - 4
                                      color: theme.primary; topPadding: 16; bottomPadding: 4 }
            delegate: RowLayout {
                width: ListView.view.width
                height: Math.max(theme.touch + 8, rowLabel.implicitHeight + 16)
                spacing: theme.gap
                Label { id: rowLabel; text: model.label; Layout.preferredWidth: parent.width * 0.45
                        Layout.maximumWidth: parent.width * 0.45; wrapMode: Text.Wrap
                        font.pixelSize: theme.small }
                Loader {
                    Layout.fillWidth: true
                    Layout.preferredHeight: theme.touch
                    objectName: "setting_" + model.key
                    sourceComponent: model.kind === "bool" ? boolEditor : (model.kind === "choice" ? choiceEditor : textEditor)
                    property var row: model
                    property int rowIndex: index
                }
            }
        }
        // Scrolls on its own: with the keyboard up the screen is short, and this column must
        // not keep the settings list from shrinking above the keys.
        Flickable {
            id: sideFlick
            Layout.preferredWidth: 400
            Layout.maximumWidth: 400
            Layout.fillWidth: false
            Layout.fillHeight: true
            contentHeight: side.implicitHeight
            clip: true
            boundsBehavior: Flickable.StopAtBounds
            ColumnLayout {
                id: side
                width: sideFlick.width
                spacing: theme.gap
                Label { text: app.lang, app.t("Đăng ký với máy chủ"); font.bold: true }
                Label { objectName: "enrolHint"; Layout.fillWidth: true; wrapMode: Text.WordWrap
                        text: app.lang, app.t("Quét mã QR «Đăng ký quầy» trên trang của tỉnh bằng đầu đọc mã vạch; hoặc dán mã thiết bị vào ô dưới.") }
                Label { text: app.lang, app.t("Mã thiết bị đồng bộ"); font.bold: true }
                TextField { id: token; objectName: "tokenField"; Layout.fillWidth: true; Layout.preferredHeight: theme.touch
                            echoMode: TextInput.Password; placeholderText: app.lang, app.t("Dán mã do máy chủ cấp") }
                BigButton { text: settings.checkingToken ? (app.lang, app.t("Đang kiểm tra với máy chủ…"))
                                                         : (app.lang, app.t("Kiểm tra và lưu mã"))
                            objectName: "saveToken"; enabled: !settings.checkingToken
                            Layout.fillWidth: true; onClicked: settings.setDeviceToken(token.text) }
                Label { text: app.lang, app.t("Thêm cán bộ"); font.bold: true; Layout.topMargin: 16 }
                TextField { id: login; Layout.fillWidth: true; Layout.preferredHeight: theme.touch; placeholderText: app.lang, app.t("Tên đăng nhập") }
                TextField { id: fullName; Layout.fillWidth: true; Layout.preferredHeight: theme.touch; placeholderText: app.lang, app.t("Họ và tên") }
                TextField { id: pin; Layout.fillWidth: true; Layout.preferredHeight: theme.touch; placeholderText: app.lang, app.t("Mã PIN (4–8 chữ số)")
                            echoMode: TextInput.Password; inputMethodHints: Qt.ImhDigitsOnly }
                BigButton { text: app.lang, app.t("Thêm cán bộ"); Layout.fillWidth: true
                            onClicked: if (settings.addClerk(login.text, fullName.text, pin.text)) { login.text = ""; fullName.text = ""; pin.text = "" } }
                BigButton { text: app.lang, app.t("Tìm lại máy in, máy quét"); tint: theme.muted; Layout.fillWidth: true
                            onClicked: settings.findDevices() }
            }
        }
    }
    Connections { target: settings; function onTokenSaved() { token.text = "" } }

    Component {
        id: textEditor
        TextField {
            objectName: row ? "edit_" + row.key : ""
            text: row ? row.value : ""
            // Numbers, with a sign (a camera of -1 is "none").
            inputMethodHints: row && row.kind === "number" ? Qt.ImhFormattedNumbersOnly : Qt.ImhNone
            font.pixelSize: theme.text
            // A row that went away (the list was rebuilt) has no key: nothing to save.
            onEditingFinished: if (row && row.key && text !== row.value) settings.set(row.key, text)
            onActiveFocusChanged: {
                if (activeFocus) {
                    settingsView.editingIndex = rowIndex
                    settingsView.keepInSight(rowIndex)
                } else if (settingsView.editingIndex === rowIndex) {
                    settingsView.editingIndex = -1
                }
            }
        }
    }
    Component {
        id: boolEditor
        Item {
            Switch {
                objectName: row ? "switch_" + row.key : ""
                // Touch size: the default switch is far below 9 mm.
                anchors.verticalCenter: parent.verticalCenter
                scale: 1.6
                transformOrigin: Item.Left
                checked: !!row && row.value === "true"
                onToggled: if (row && row.key) settings.set(row.key, checked ? "true" : "false")
            }
        }
    }
    Component {
        id: choiceEditor
        ComboBox {
            model: row ? row.labels : []
            font.pixelSize: theme.text
            currentIndex: row ? row.choices.indexOf(row.value) : -1
            onActivated: (i) => { if (row && row.key) settings.set(row.key, row.choices[i]) }
            delegate: ItemDelegate { width: ListView.view ? ListView.view.width : 300; height: theme.touch
                                     text: modelData; font.pixelSize: theme.text }
        }
    }
}
