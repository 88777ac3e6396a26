import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A modal dialog that stays above the on-screen keyboard. The keyboard lies over every
// dialog (Main.qml puts it in the overlay), so a dialog moves up into the room left above
// the keys. Its buttons (`buttons: [...]`) sit in a fixed row at its bottom, always in sight
// above the keys; only the fields above them scroll when the dialog is taller than that
// room (Main.qml's revealFocus scrolls the field being typed into into view). Every dialog
// with a text field is one of these, and every dialog keeps its buttons in that row
// (tests/ui/test_touch_dialogs_x11.py checks the QML files).
Popup {
    id: dialog
    default property alias content: column.data
    property alias buttons: buttonRow.data
    property int preferredWidth: 680
    readonly property var win: ApplicationWindow.window
    readonly property real room: win && win.keyboardTop !== undefined ? win.keyboardTop
                                                                      : (parent ? parent.height : 768)
    readonly property real buttonsHeight: buttonRow.visible ? buttonRow.implicitHeight + theme.gap : 0
    parent: Overlay.overlay
    modal: true
    padding: 28
    closePolicy: Popup.CloseOnEscape
    width: Math.min(parent ? parent.width - 96 : preferredWidth, preferredWidth)
    height: Math.min(column.implicitHeight + buttonsHeight + topPadding + bottomPadding, room - 16)
    x: parent ? Math.round((parent.width - width) / 2) : 0
    y: Math.max(8, Math.min(Math.round(((parent ? parent.height : room) - height) / 2),
                            room - height - 8))

    contentItem: Item {
        Flickable {
            id: flick
            objectName: dialog.objectName !== "" ? dialog.objectName + "Fields" : ""
            anchors { left: parent.left; right: parent.right; top: parent.top }
            height: Math.max(0, parent.height - dialog.buttonsHeight)
            contentHeight: column.implicitHeight
            clip: true
            boundsBehavior: Flickable.StopAtBounds
            // Shows that there is more above or below while the fields scroll.
            ScrollIndicator.vertical: ScrollIndicator { }
            ColumnLayout {
                id: column
                width: flick.width
                spacing: theme.gap
            }
        }
        // A hairline between fields that scroll and the buttons that stay.
        Rectangle {
            anchors { left: parent.left; right: parent.right; bottom: buttonRow.top
                      bottomMargin: theme.gap / 2 }
            height: 1
            color: theme.line
            visible: buttonRow.visible && flick.contentHeight > flick.height + 1
        }
        RowLayout {
            id: buttonRow
            objectName: dialog.objectName !== "" ? dialog.objectName + "Buttons" : ""
            anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
            height: implicitHeight
            spacing: theme.gap
            visible: children.length > 0
        }
    }
}
