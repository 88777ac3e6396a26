import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The citizen screen's own keys: it never takes the keyboard focus (the clerk's window keeps
// the barcode reader and the on-screen keyboard), and search ignores diacritics anyway.
ColumnLayout {
    id: pad
    property bool digits: false
    property string extra: ""  // more keys on a last row (an e-mail's "@_")
    signal key(string ch)
    signal erase()
    signal enter()
    spacing: 6
    readonly property var rows: (digits
        ? ["1234567890", "ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ.-"]
        : ["ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZĐ"]).concat(extra !== "" ? [extra] : [])
    Repeater {
        model: pad.rows
        delegate: RowLayout {
            spacing: 6
            property string keys: modelData
            Repeater {
                model: keys.length
                delegate: Button {
                    objectName: "key_" + keys.charAt(index)
                    text: keys.charAt(index)
                    Layout.preferredWidth: 46; Layout.preferredHeight: 52
                    font.pixelSize: theme.text
                    focusPolicy: Qt.NoFocus
                    onClicked: pad.key(text)
                }
            }
        }
    }
    RowLayout {
        spacing: 6
        Button { objectName: "key_space"; text: "␣"; visible: pad.extra === ""; Layout.preferredWidth: 200; Layout.preferredHeight: 52
                 focusPolicy: Qt.NoFocus; onClicked: pad.key(" ") }
        Button { objectName: "key_back"; text: "⌫"; Layout.preferredWidth: 98; Layout.preferredHeight: 52
                 focusPolicy: Qt.NoFocus; onClicked: pad.erase() }
        Button { objectName: "key_enter"; text: "↵"; visible: pad.digits && pad.extra === ""; Layout.preferredWidth: 98
                 Layout.preferredHeight: 52; focusPolicy: Qt.NoFocus; onClicked: pad.enter() }
    }
}
