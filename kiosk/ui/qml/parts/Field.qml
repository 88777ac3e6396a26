import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: f
    property alias label: caption.text
    property alias text: input.text
    property alias input: input
    property string placeholder: ""
    property int hints: Qt.ImhNone
    signal edited(string value)
    spacing: 4
    Label { id: caption; color: theme.muted; font.pixelSize: theme.small }
    TextField {
        id: input
        objectName: f.objectName ? f.objectName + "Input" : ""
        Layout.fillWidth: true
        Layout.preferredHeight: theme.touch
        font.pixelSize: theme.text
        placeholderText: f.placeholder
        inputMethodHints: f.hints
        onEditingFinished: f.edited(text)
    }
    // Hiding the on-screen keyboard means the typing is done, as leaving the field does.
    Connections {
        target: Qt.inputMethod
        function onVisibleChanged() { if (!Qt.inputMethod.visible && input.activeFocus) f.edited(input.text) }
    }
}
