import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

Item {
    id: screen
    Component.onCompleted: settings.load()

    RowLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: theme.gap
        ListView {
            objectName: "settingsList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: settings.rows
            section.property: "group"
            section.delegate: Label { text: section; font.bold: true; font.pixelSize: theme.title - 4
                                      color: theme.primary; topPadding: 16; bottomPadding: 4 }
            delegate: RowLayout {
                width: ListView.view.width
                height: theme.touch + 16
                spacing: theme.gap
                Label { text: model.label; Layout.preferredWidth: parent.width * 0.5; wrapMode: Text.Wrap
                        font.pixelSize: theme.small }
                Loader {
                    Layout.fillWidth: true
                    sourceComponent: model.kind === "bool" ? boolEditor : (model.kind === "choice" ? choiceEditor : textEditor)
                    property var row: model
                }
            }
        }
        ColumnLayout {
            Layout.preferredWidth: 380
            spacing: theme.gap
            Label { text: app.lang, app.t("Mã thiết bị đồng bộ"); font.bold: true }
            TextField { id: token; Layout.fillWidth: true; Layout.preferredHeight: theme.touch
                        echoMode: TextInput.Password; placeholderText: app.lang, app.t("Dán mã do máy chủ cấp") }
            BigButton { text: app.lang, app.t("Lưu mã vào kho khóa"); Layout.fillWidth: true
                        onClicked: if (settings.setDeviceToken(token.text)) token.text = "" }
            Label { text: app.lang, app.t("Thêm cán bộ"); font.bold: true; topPadding: 24 }
            TextField { id: login; Layout.fillWidth: true; Layout.preferredHeight: theme.touch; placeholderText: app.lang, app.t("Tên đăng nhập") }
            TextField { id: fullName; Layout.fillWidth: true; Layout.preferredHeight: theme.touch; placeholderText: app.lang, app.t("Họ và tên") }
            TextField { id: pin; Layout.fillWidth: true; Layout.preferredHeight: theme.touch; placeholderText: app.lang, app.t("Mã PIN (4–8 chữ số)")
                        echoMode: TextInput.Password; inputMethodHints: Qt.ImhDigitsOnly }
            BigButton { text: app.lang, app.t("Thêm cán bộ"); Layout.fillWidth: true
                        onClicked: if (settings.addClerk(login.text, fullName.text, pin.text)) { login.text = ""; fullName.text = ""; pin.text = "" } }
            Item { Layout.fillHeight: true }
        }
    }

    Component {
        id: textEditor
        TextField {
            text: row.value
            font.pixelSize: theme.text
            height: theme.touch
            onEditingFinished: if (text !== row.value) settings.set(row.key, text)
        }
    }
    Component {
        id: boolEditor
        Switch {
            // Touch size: the default switch is far below 9 mm.
            scale: 1.6
            transformOrigin: Item.Left
            checked: row.value === "true"
            onToggled: settings.set(row.key, checked ? "true" : "false")
        }
    }
    Component {
        id: choiceEditor
        ComboBox {
            model: row.choices
            height: theme.touch
            font.pixelSize: theme.text
            currentIndex: row.choices.indexOf(row.value)
            onActivated: (i) => settings.set(row.key, row.choices[i])
        }
    }
}
