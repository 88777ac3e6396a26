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
            // Overdue at this moment (the Reports screen judges a past period at its end).
            StatTile { Layout.fillWidth: true; implicitHeight: screen.compact ? 104 : 120
                       label: app.lang, app.t("Quá hạn đến giờ này")
                       objectName: "statOverdue"
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

        // Dossiers submitted online or by post for this unit, waiting for a clerk.
        Card {
            objectName: "incomingCard"
            Layout.fillWidth: true
            visible: (home.stats.incoming || 0) > 0
            implicitHeight: incomingRow.implicitHeight + 24
            border.color: theme.primary
            RowLayout {
                id: incomingRow
                anchors.fill: parent
                anchors.margins: 12
                spacing: theme.gap
                Label { text: app.lang, app.tf("Hồ sơ trực tuyến chờ tiếp nhận: {n}", {"n": home.stats.incoming || 0})
                        objectName: "incomingCount"; font.bold: true; color: theme.primary
                        Layout.fillWidth: true; wrapMode: Text.Wrap }
                Button { objectName: "openIncoming"; text: app.lang, app.t("Mở danh sách")
                         leftPadding: 20; rightPadding: 20; Layout.preferredHeight: theme.touch
                         onClicked: app.go("incoming") }
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

        // The server's notices for the clerk (a file whose signature it found invalid).
        Card {
            objectName: "syncNoticeCard"
            Layout.fillWidth: true
            visible: home.notices.count > 0
            implicitHeight: noticeCol.implicitHeight + 32
            border.color: theme.danger
            ColumnLayout {
                id: noticeCol
                anchors.fill: parent
                anchors.margins: theme.gap
                Label { text: app.lang, app.t("Thông báo từ máy chủ"); font.bold: true; color: theme.danger }
                Repeater {
                    model: home.notices
                    delegate: RowLayout {
                        Layout.fillWidth: true
                        Label { text: model.code; font.bold: true }
                        Label { text: model.note; color: theme.muted; Layout.fillWidth: true
                                elide: Text.ElideRight }
                        Button { text: app.lang, app.t("Xem"); Layout.preferredHeight: theme.touch
                                 onClicked: app.go("detail", model.code) }
                        Button { text: app.lang, app.t("Đã xem"); Layout.preferredHeight: theme.touch
                                 objectName: "dismissNotice_" + model.code
                                 onClicked: home.dismissNotice(model.seq) }
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
                            // With a draft card and three readers the panel stays on screen.
                            Layout.preferredHeight: screen.compact ? 34 : 40
                            spacing: 12
                            Rectangle { Layout.preferredWidth: 16; Layout.preferredHeight: 16; radius: 8
                                        color: model.ok ? theme.ok : theme.danger }
                            Label { text: model.label; Layout.preferredWidth: 200; objectName: "deviceLabel" }
                            Label { text: model.state; color: theme.muted; Layout.fillWidth: true
                                    elide: Text.ElideRight; objectName: "deviceState" }
                        }
                    }
                    // For an admin: the end-to-end audit, status conflicts, and the items
                    // the server refused, with its reason and a one-tap retry.
                    Label { objectName: "auditLine"; visible: app.isAdmin; text: home.auditText
                            color: theme.muted; Layout.fillWidth: true; wrapMode: Text.Wrap }
                    Repeater {
                        model: app.isAdmin ? home.conflicts : null
                        delegate: Label { Layout.fillWidth: true; wrapMode: Text.Wrap
                                          objectName: "conflict_" + model.code
                                          color: theme.warn; text: model.code + ": " + model.text }
                    }
                    RowLayout {
                        visible: app.isAdmin && home.parked.count > 0
                        Layout.fillWidth: true
                        Label { text: app.lang, app.tf("{n} mục máy chủ từ chối", {"n": home.parked.count})
                                font.bold: true; color: theme.danger; Layout.fillWidth: true }
                        Button { text: app.lang, app.t("Gửi lại tất cả"); Layout.preferredHeight: theme.touch
                                 objectName: "retryAllParked"
                                 onClicked: home.retryAllParked() }
                    }
                    Repeater {
                        model: app.isAdmin ? home.parked : null
                        delegate: RowLayout {
                            Layout.fillWidth: true
                            Label { text: model.code; font.bold: true }
                            Label { text: model.reason; color: theme.muted; Layout.fillWidth: true
                                    elide: Text.ElideRight }
                            Button { text: app.lang, app.t("Gửi lại"); Layout.preferredHeight: theme.touch
                                     objectName: "retryParked_" + model.code
                                     onClicked: home.retryParked(model.id) }
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
                GridLayout {  // the ticket being served (issue 27)
                    visible: !!queue.current.label
                    columns: 2; columnSpacing: 8; rowSpacing: 8
                    Layout.fillWidth: true
                    Button { objectName: "queueRecall"; text: app.lang, app.t("Gọi lại")
                             enabled: !queue.busy; Layout.fillWidth: true
                             Layout.preferredHeight: theme.touch; onClicked: queue.recall() }
                    Button { objectName: "queueHold"; text: app.lang, app.t("Tạm giữ")
                             enabled: !queue.busy; Layout.fillWidth: true
                             Layout.preferredHeight: theme.touch; onClicked: queue.hold() }
                    Button { objectName: "queueNoshow"; text: app.lang, app.t("Vắng mặt")
                             enabled: !queue.busy; Layout.fillWidth: true
                             Layout.preferredHeight: theme.touch; onClicked: queue.noshow() }
                    Button { objectName: "queueTransfer"; text: app.lang, app.t("Chuyển nhóm")
                             enabled: !queue.busy; Layout.fillWidth: true
                             Layout.preferredHeight: theme.touch
                             onClicked: transferChoice.visible = !transferChoice.visible }
                }
                RowLayout {
                    id: transferChoice
                    visible: false
                    Layout.fillWidth: true
                    Repeater {
                        model: queue.groups
                        delegate: Button {
                            objectName: "transferTo_" + modelData.service
                            text: modelData.service + " — " + modelData.name
                            visible: modelData.service !== queue.current.service
                            enabled: !queue.busy
                            Layout.fillWidth: true; Layout.preferredHeight: theme.touch
                            onClicked: { transferChoice.visible = false; queue.transfer(modelData.service) }
                        }
                    }
                }
                Repeater {  // held tickets: the person is back
                    model: queue.held
                    delegate: Button {
                        objectName: "heldTicket_" + modelData
                        text: app.lang, app.tf("Số {label} đã quay lại: gọi", {"label": modelData})
                        enabled: !queue.busy
                        Layout.fillWidth: true; Layout.preferredHeight: theme.touch
                        onClicked: queue.recallHeld(modelData)
                    }
                }
                BigButton {  // a booked time for the citizen at the counter (issue 27)
                    objectName: "clerkBookButton"
                    text: app.lang, app.t("Đặt lịch hẹn")
                    sub: app.lang, app.t("Chọn ngày, khung giờ; in phiếu hẹn")
                    tint: theme.primaryDark
                    Layout.fillWidth: true
                    onClicked: { clerkBooking.open(); clerkBookingDialog.open() }
                }
                BigButton {  // certification at the counter (issue 23)
                    objectName: "certifyButton"
                    text: app.lang, app.t("Chứng thực")
                    sub: app.lang, app.t("Bản sao, chữ ký, hợp đồng")
                    tint: theme.ok
                    Layout.fillWidth: true
                    onClicked: { certify.start(); app.go("certify") }
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

    ClerkBooking { id: clerkBookingDialog }

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
        buttons: [
            BigButton { objectName: "discardYes"; text: app.lang, app.t("Bỏ hồ sơ"); tint: theme.danger; Layout.fillWidth: true
                        onClicked: { intake.discardDraft(discardAsk.draftId); discardAsk.close() } },
            BigButton { text: app.lang, app.t("Giữ lại"); tint: theme.muted; Layout.fillWidth: true
                        onClicked: discardAsk.close() }
        ]
    }
}
