import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A modal dialog that stays above the on-screen keyboard. The keyboard lies over every
// dialog (Main.qml puts it in the overlay), so a dialog moves up into the room left above
// the keys, and scrolls when it is taller than that room: the field being typed into and
// the keys are both in sight. Every dialog with a text field is one of these
// (tests/ui/test_touch_dialogs_x11.py checks the QML files).
Popup {
    id: dialog
    default property alias content: column.data
    property int preferredWidth: 680
    readonly property var win: ApplicationWindow.window
    readonly property real room: win && win.keyboardTop !== undefined ? win.keyboardTop
                                                                      : (parent ? parent.height : 768)
    parent: Overlay.overlay
    modal: true
    padding: 28
    closePolicy: Popup.CloseOnEscape
    width: Math.min(parent ? parent.width - 96 : preferredWidth, preferredWidth)
    height: Math.min(column.implicitHeight + topPadding + bottomPadding, room - 16)
    x: parent ? Math.round((parent.width - width) / 2) : 0
    y: Math.max(8, Math.min(Math.round(((parent ? parent.height : room) - height) / 2),
                            room - height - 8))

    contentItem: Flickable {
        id: flick
        contentHeight: column.implicitHeight
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        ColumnLayout {
            id: column
            width: flick.width
            spacing: theme.gap
        }
    }
}
