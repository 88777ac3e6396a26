import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

// Look-up and the late lists. What it shows (tab, query, filter, scroll) is kept in the
// model, so "◀" from a dossier opened here comes back to the list as it was.
Item {
    id: screen
    readonly property var lists: [lookupResults, overdueList, dueSoonList]
    Component.onCompleted: {
        if (!app.returning) lookup.open(app.screenArgument || "search")
        lateProcedure.currentIndex = Math.max(0, lateProcedure.indexOfValue(lookup.lateProcedure))
        restore.start()
    }
    Component.onDestruction: {
        for (var i = 0; i < lists.length; i++) lookup.keepScroll(i, lists[i].contentY)
    }
    // Once the lists have laid out their rows.
    Timer {
        id: restore
        interval: 50
        onTriggered: {
            for (var i = 0; i < screen.lists.length; i++) {
                var list = screen.lists[i]
                list.contentY = Math.min(lookup.scroll[i], Math.max(0, list.contentHeight - list.height))
            }
        }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: theme.gap
        TabBar {
            id: tabs
            Layout.fillWidth: true
            currentIndex: lookup.tab
            onCurrentIndexChanged: lookup.setTab(currentIndex)
            TabButton { text: app.lang, app.t("Tra cứu"); height: theme.touch; font.pixelSize: theme.text
                        objectName: "searchTab" }
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
                id: lateProcedure
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
                    text: lookup.query
                    onTextChanged: if (text !== lookup.query) lookup.search(text)
                }
                ListView {
                    id: lookupResults
                    objectName: "lookupResults"
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    clip: true
                    model: lookup.results
                    delegate: DossierRow { objectName: "lookupRow_" + index; onClicked: app.go("detail", model.code) }
                    Label { anchors.centerIn: parent; visible: parent.count === 0; color: theme.muted
                            text: app.lang, app.t("Chưa có kết quả") }
                }
            }
            ListView {
                id: overdueList
                objectName: "overdueList"
                clip: true
                model: lookup.overdue
                delegate: DossierRow { objectName: "overdueRow_" + index; onClicked: app.go("detail", model.code) }
                Label { anchors.centerIn: parent; visible: parent.count === 0; color: theme.ok
                        text: app.lang, app.t("Không có hồ sơ quá hạn") }
            }
            ListView {
                id: dueSoonList
                objectName: "dueSoonList"
                clip: true
                model: lookup.dueSoon
                delegate: DossierRow { objectName: "dueSoonRow_" + index; onClicked: app.go("detail", model.code) }
                Label { anchors.centerIn: parent; visible: parent.count === 0; color: theme.ok
                        text: app.lang, app.t("Không có hồ sơ sắp đến hạn") }
            }
        }
    }
}
