import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

Item {
    id: screen
    property int tab: app.screenArgument === "overdue" ? 1 : app.screenArgument === "duesoon" ? 2 : 0
    Component.onCompleted: lookup.loadOverdue()

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: theme.gap
        TabBar {
            id: tabs
            Layout.fillWidth: true
            currentIndex: screen.tab
            TabButton { text: app.lang, app.t("Tra cứu"); height: theme.touch; font.pixelSize: theme.text }
            TabButton { text: app.lang, app.tf("Quá hạn đến giờ này ({n})", {"n": lookup.overdue.count}); height: theme.touch
                        font.pixelSize: theme.text; objectName: "overdueTab" }
            TabButton { text: app.lang, app.tf("Sắp đến hạn ({n})", {"n": lookup.dueSoon.count}); height: theme.touch
                        font.pixelSize: theme.text; objectName: "dueSoonTab" }
        }
        RowLayout {
            visible: tabs.currentIndex > 0
            Layout.fillWidth: true
            Label { text: app.lang, app.t("Thủ tục") }
            ComboBox {
                objectName: "lateProcedure"
                Layout.fillWidth: true
                Layout.preferredHeight: theme.touch
                model: lookup.procedureChoices
                textRole: "name"
                valueRole: "code"
                onActivated: lookup.filterLate(currentValue)
            }
        }
        StackLayout {
            currentIndex: tabs.currentIndex
            Layout.fillWidth: true
            Layout.fillHeight: true
            ColumnLayout {
                spacing: theme.gap
                TextField {
                    objectName: "lookupQuery"
                    Layout.fillWidth: true
                    Layout.preferredHeight: theme.touch
                    font.pixelSize: theme.text
                    placeholderText: app.lang, app.t("Mã hồ sơ, họ tên (không dấu cũng được), số CCCD, điện thoại")
                    onTextChanged: lookup.search(text)
                }
                ListView {
                    objectName: "lookupResults"
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    clip: true
                    model: lookup.results
                    delegate: DossierRow { onClicked: app.go("detail", model.code) }
                    Label { anchors.centerIn: parent; visible: parent.count === 0; color: theme.muted
                            text: app.lang, app.t("Chưa có kết quả") }
                }
            }
            ListView {
                objectName: "overdueList"
                clip: true
                model: lookup.overdue
                delegate: DossierRow { onClicked: app.go("detail", model.code) }
                Label { anchors.centerIn: parent; visible: parent.count === 0; color: theme.ok
                        text: app.lang, app.t("Không có hồ sơ quá hạn") }
            }
            ListView {
                objectName: "dueSoonList"
                clip: true
                model: lookup.dueSoon
                delegate: DossierRow { onClicked: app.go("detail", model.code) }
                Label { anchors.centerIn: parent; visible: parent.count === 0; color: theme.ok
                        text: app.lang, app.t("Không có hồ sơ sắp đến hạn") }
            }
        }
    }
}
