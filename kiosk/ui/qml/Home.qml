import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

Flickable {
    id: screen
    contentHeight: col.implicitHeight + 48
    clip: true
    Component.onCompleted: { home.refresh(); intake.loadDrafts() }

    ColumnLayout {
        id: col
        x: 24; y: 24
        width: screen.width - 48
        spacing: theme.gap

        RowLayout {
            spacing: theme.gap
            Layout.fillWidth: true
            StatTile { Layout.fillWidth: true; label: app.lang, app.t("Tiếp nhận hôm nay")
                       value: home.stats.received_today || 0; objectName: "statReceived" }
            StatTile { Layout.fillWidth: true; label: app.lang, app.t("Đến hạn hôm nay")
                       value: home.stats.due_today || 0; tint: theme.warn }
            StatTile { Layout.fillWidth: true; label: app.lang, app.t("Quá hạn")
                       value: home.stats.overdue || 0; tint: theme.danger
                       onClicked: app.go("lookup", "overdue") }
            StatTile { Layout.fillWidth: true; label: app.lang, app.t("Chờ gửi lên máy chủ")
                       value: home.stats.waiting_to_sync || 0; tint: theme.muted }
        }

        RowLayout {
            spacing: theme.gap
            Layout.fillWidth: true
            BigButton {
                objectName: "receiveButton"
                text: app.lang, app.t("Tiếp nhận hồ sơ")
                sub: app.lang, app.t("Chọn thủ tục, quét CCCD và giấy tờ, in phiếu hẹn")
                Layout.fillWidth: true; Layout.preferredHeight: 150
                font.pixelSize: theme.title
                onClicked: { intake.start(); app.go("intake") }
            }
            BigButton {
                objectName: "returnButton"
                text: app.lang, app.t("Trả kết quả")
                sub: app.lang, app.t("Quét mã vạch trên phiếu hẹn")
                tint: theme.ok
                Layout.fillWidth: true; Layout.preferredHeight: 150
                font.pixelSize: theme.title
                onClicked: { returns.clear(); app.go("return") }
            }
            BigButton {
                objectName: "lookupButton"
                text: app.lang, app.t("Tra cứu")
                sub: app.lang, app.t("Theo mã hồ sơ, họ tên, số CCCD, điện thoại")
                tint: "#5a3e8c"
                Layout.fillWidth: true; Layout.preferredHeight: 150
                font.pixelSize: theme.title
                onClicked: app.go("lookup", "search")
            }
        }

        Card {
            Layout.fillWidth: true
            visible: intake.drafts.count > 0
            implicitHeight: draftCol.implicitHeight + 32
            ColumnLayout {
                id: draftCol
                anchors.fill: parent
                anchors.margins: theme.gap
                Label { text: app.lang, app.t("Hồ sơ đang tiếp nhận dở (đã lưu nháp)"); font.bold: true }
                Repeater {
                    model: intake.drafts
                    delegate: RowLayout {
                        Layout.fillWidth: true
                        Label { text: model.label; Layout.fillWidth: true; elide: Text.ElideRight }
                        Button { text: app.lang, app.t("Tiếp tục"); Layout.preferredHeight: theme.touch
                                 objectName: "resumeDraft"
                                 onClicked: intake.resumeDraft(model.id) }
                        Button { text: app.lang, app.t("Bỏ"); Layout.preferredHeight: theme.touch
                                 onClicked: intake.discardDraft(model.id) }
                    }
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: theme.gap
            Card {
                Layout.fillWidth: true
                Layout.alignment: Qt.AlignTop
                Layout.preferredHeight: devCol.implicitHeight + 32
                ColumnLayout {
                    id: devCol
                    anchors.fill: parent
                    anchors.margins: theme.gap
                    Label { text: app.lang, app.t("Thiết bị"); font.bold: true }
                    Repeater {
                        model: home.devices
                        delegate: RowLayout {
                            Layout.fillWidth: true
                            Layout.preferredHeight: 40
                            spacing: 12
                            Rectangle { Layout.preferredWidth: 16; Layout.preferredHeight: 16; radius: 8
                                        color: model.ok ? theme.ok : theme.danger }
                            Label { text: model.label; Layout.preferredWidth: 200 }
                            Label { text: model.state; color: theme.muted; Layout.fillWidth: true
                                    elide: Text.ElideRight }
                        }
                    }
                }
            }
            ColumnLayout {
                Layout.preferredWidth: 300
                Layout.maximumWidth: 300
                Layout.fillWidth: false
                Layout.alignment: Qt.AlignTop
                BigButton {  // queue tickets (issue 16)
                    objectName: "callNextButton"
                    text: app.lang, app.t("Gọi số tiếp theo")
                    sub: queue.current.label ? (app.lang, app.tf("Đang phục vụ số {label}", {"label": queue.current.label})) : ""
                    enabled: !queue.busy
                    Layout.fillWidth: true; onClicked: queue.callNext()
                }
                BigButton { text: app.lang, app.t("Danh sách quá hạn"); tint: theme.danger
                            Layout.fillWidth: true; onClicked: app.go("lookup", "overdue") }
                BigButton { text: app.lang, app.t("Cài đặt"); tint: theme.muted; visible: app.isAdmin
                            objectName: "settingsButton"
                            Layout.fillWidth: true; onClicked: app.go("settings") }
            }
        }
    }
}
