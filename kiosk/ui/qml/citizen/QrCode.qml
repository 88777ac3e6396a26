import QtQuick

// Draws the QR modules computed in Python (kiosk.citizen.board.qr_rows), with a quiet zone.
Rectangle {
    id: qr
    property var rows: []
    property int size: 180
    readonly property int modules: rows.length + 8
    width: size; height: size
    color: "white"
    visible: rows.length > 0
    Column {
        x: 4 * qr.size / qr.modules; y: x
        Repeater {
            model: qr.rows
            delegate: Row {
                property string line: modelData
                Repeater {
                    model: line.length
                    delegate: Rectangle {
                        width: qr.size / qr.modules; height: width
                        color: line.charAt(index) === "1" ? "black" : "white"
                    }
                }
            }
        }
    }
}
