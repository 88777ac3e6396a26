import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

Flickable {
    id: screen
    contentHeight: col.implicitHeight + 48
    clip: true
    Component.onCompleted: { home.refresh(); intake.loadDrafts(); signing.refresh() }

    // A draft card takes room: the tiles and buttons shrink so that the device panel stays
    // on screen at 1366×768.
    readonly property bool compact: intake.drafts.count > 0 && screen.height < 900

    ColumnLayout {
        id: col
        x: 24; y: 24
        width: screen.width - 48
        spacing: theme.gap

        RowLayout {
            spacing: theme.gap
            Layout.fillWidth: true
            StatTile { Layout.fillWidth: true; implicitHeight: screen.compact ? 104 : 120
                       label: app.lang, app.t("Tiếp nhận hôm nay")
                       value: home.stats.received_today || 0; objectName: "statReceived" }
            StatTile { Layout.fillWidth: true; implicitHeight: screen.compact ? 104 : 120
                       label: app.lang, app.t("Đến hạn hôm nay")
                       value: home.stats.due_today || 0; tint: theme.warn }
            StatTile { Layout.fillWidth: true; implicitHeight: screen.compact ? 104 : 120
                       label: app.lang, app.t("Sắp đến hạn")
                       objectName: "statDueSoon"
                       value: home.stats.due_soon || 0; tint: theme.warn
                       onClicked: app.go("lookup", "duesoon") }
            StatTile { Layout.fillWidth: true; implicitHeight: screen.compact ? 104 : 120
                       label: app.lang, app.t("Quá hạn")
                       value: home.stats.overdue || 0; tint: theme.danger
                       onClicked: app.go("lookup", "overdue") }
            StatTile { Layout.fillWidth: true; implicitHeight: screen.compact ? 104 : 120
                       label: app.lang, app.t("Chờ gửi lên máy chủ")
                       value: home.stats.waiting_to_sync || 0; tint: theme.muted }
        }

        RowLayout {
            spacing: theme.gap
            Layout.fillWidth: true
            BigButton {
                objectName: "receiveButton"
                text: app.lang, app.t("Tiếp nhận hồ sơ")
                sub: app.lang, app.t("Chọn thủ tục, quét CCCD và giấy tờ, in phiếu hẹn")
                Layout.fillWidth: true; Layout.preferredHeight: screen.compact ? 112 : 150
                font.pixelSize: theme.title
                onClicked: { intake.start(); app.go("intake") }
            }
            BigButton {
                objectName: "returnButton"
                text: app.lang, app.t("Trả kết quả")
                sub: app.lang, app.t("Quét mã vạch trên phiếu hẹn")
                tint: theme.ok
                Layout.fillWidth: true; Layout.preferredHeight: screen.compact ? 112 : 150
                font.pixelSize: theme.title
                onClicked: { returns.clear(); app.go("return") }
            }
            BigButton {
                objectName: "lookupButton"
                text: app.lang, app.t("Tra cứu")
                sub: app.lang, app.t("Theo mã hồ sơ, họ tên, số CCCD, điện thoại")
                tint: "#5a3e8c"
                Layout.fillWidth: true; Layout.preferredHeight: screen.compact ? 112 : 150
                font.pixelSize: theme.title
                onClicked: app.go("lookup", "search")
            }
        }

        Card {
            Layout.fillWidth: true
            visible: intake.drafts.count > 0
            implicitHeight: draftCol.implicitHeight + 20
            ColumnLayout {
                id: draftCol
                anchors.fill: parent
                anchors.margins: 10
                spacing: 4
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
                                 objectName: "discardDraft"
                                 onClicked: { discardAsk.draftId = model.id; discardAsk.label = model.label; discardAsk.open() } }
                    }
                }
            }
        }

        Card {
            objectName: "unsignedCard"
            Layout.fillWidth: true
            visible: signing.unsigned.count > 0
            implicitHeight: unsignedCol.implicitHeight + 32
            border.color: theme.warn
            ColumnLayout {
                id: unsignedCol
                anchors.fill: parent
                anchors.margins: theme.gap
                Label { text: app.lang, app.t("Hồ sơ chưa ký số"); font.bold: true; color: theme.warn }
                Repeater {
                    model: signing.unsigned
                    delegate: RowLayout {
                        Layout.fillWidth: true
                        Label { text: model.code + "  ·  " + model.name; font.bold: true }
                        Label { text: model.error; color: theme.muted; Layout.fillWidth: true
                                elide: Text.ElideRight }
                        Button { text: app.lang, app.t("Xem"); Layout.preferredHeight: theme.touch
                                 onClicked: app.go("detail", model.code) }
                        Button { text: app.lang, app.t("Ký số"); Layout.preferredHeight: theme.touch
                                 objectName: "signUnsigned_" + model.code
                                 onClicked: signing.signDossier(model.code) }
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
                BigButton { text: app.lang, app.t("Báo cáo thống kê"); tint: theme.primaryDark
                            objectName: "reportsButton"
                            Layout.fillWidth: true; onClicked: app.go("reports") }
                BigButton { text: app.lang, app.t("Cài đặt"); tint: theme.muted; visible: app.isAdmin
                            objectName: "settingsButton"
                            Layout.fillWidth: true; onClicked: app.go("settings") }
            }
        }
    }

    // Discarding a draft loses the clerk's work and its scans: ask first.
    TouchDialog {
        id: discardAsk
        objectName: "discardConfirm"
        property string draftId: ""
        property string label: ""
        preferredWidth: 640
        Label { text: app.lang, app.t("Bỏ hồ sơ đang tiếp nhận dở?"); font.bold: true; font.pixelSize: theme.title - 4 }
        Label { text: discardAsk.label; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Label { text: app.lang, app.t("Thông tin đã nhập và các trang đã quét của hồ sơ này sẽ bị xoá.")
                color: theme.danger; wrapMode: Text.Wrap; Layout.fillWidth: true }
        RowLayout {
            Layout.fillWidth: true
            spacing: theme.gap
            BigButton { objectName: "discardYes"; text: app.lang, app.t("Bỏ hồ sơ"); tint: theme.danger; Layout.fillWidth: true
                        onClicked: { intake.discardDraft(discardAsk.draftId); discardAsk.close() } }
            BigButton { text: app.lang, app.t("Giữ lại"); tint: theme.muted; Layout.fillWidth: true
                        onClicked: discardAsk.close() }
        }
    }
}
