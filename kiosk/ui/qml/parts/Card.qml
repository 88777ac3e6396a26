import QtQuick

Rectangle {
    color: theme.card
    radius: theme.radius
    border.color: theme.line
    border.width: 1
}
