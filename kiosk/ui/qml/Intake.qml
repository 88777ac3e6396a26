import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

Item {
    id: screen
    // While the on-screen keyboard is up, the fields get the whole space above it.
    readonly property bool typing: Qt.inputMethod.visible

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: theme.gap
        spacing: screen.typing ? 8 : theme.gap

        // Steps: tap a done step to go back to it.
        RowLayout {
            Layout.fillWidth: true
            visible: !screen.typing
            spacing: 6
            Repeater {
                model: intake.stepTitles
                delegate: Rectangle {
                    Layout.fillWidth: true
                    height: 48
                    radius: 24
                    color: index === intake.step ? theme.primary
                         : (index < intake.step ? "#cfe0f1" : "#dde3e9")
                    Label {
                        anchors.centerIn: parent
                        text: (index + 1) + ". " + modelData
                        color: index === intake.step ? "white" : theme.ink
                        font.pixelSize: theme.small
                        font.bold: index === intake.step
                    }
                    MouseArea {
                        anchors.fill: parent
                        enabled: index < intake.step && intake.step < 5
                        onClicked: intake.goTo(["procedure", "applicant", "checklist", "scan", "review", "done"][index])
                    }
                }
            }
        }

        // The chosen procedure stays in sight on the steps after it.
        Label {
            objectName: "chosenProcedure"
            Layout.fillWidth: true
            visible: intake.step >= 1 && intake.step <= 3 && !screen.typing && text !== ""
            text: intake.procedure.name || ""
            font.bold: true
            color: theme.primary
            wrapMode: Text.Wrap; maximumLineCount: 2; elide: Text.ElideRight
        }

        StackLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            currentIndex: intake.step

            // 1. Procedure
            ColumnLayout {
                spacing: theme.gap
                TextField {
                    id: procSearch
                    objectName: "procedureSearch"
                    Layout.fillWidth: true
                    Layout.preferredHeight: theme.touch
                    font.pixelSize: theme.text
                    placeholderText: app.lang, app.t("Tìm thủ tục (gõ không dấu cũng được, ví dụ: chung thuc)")
                    onTextChanged: intake.search(text)
                }
                Label { text: intake.procedure.name ? (app.lang, app.tf("Đang chọn: {name}", {"name": intake.procedure.name})) : ""
                        color: theme.primary; visible: text !== "" }
                ListView {
                    objectName: "procedureList"
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    clip: true
                    spacing: 6
                    model: intake.procedures
                    flickDeceleration: 1500
                    delegate: ItemDelegate {
                        width: ListView.view.width
                        height: Math.max(theme.touch + 12, pc.implicitHeight + 16)
                        objectName: "procedure_" + model.code
                        background: Rectangle { color: parent.down ? "#e3ecf5" : (model.group ? "#eef6ee" : theme.card)
                                                radius: 8; border.color: model.group ? theme.ok : theme.line
                                                border.width: model.group ? 2 : 1 }
                        onClicked: intake.chooseProcedure(model.code)
                        contentItem: ColumnLayout {
                            id: pc
                            spacing: 2
                            RowLayout {
                                Layout.fillWidth: true
                                // One intake for several procedures (liên thông): marked, not hidden.
                                Label { visible: model.group; text: app.lang, app.t("Liên thông")
                                        color: "white"; font.bold: true; font.pixelSize: theme.small
                                        leftPadding: 8; rightPadding: 8; topPadding: 2; bottomPadding: 2
                                        background: Rectangle { color: theme.ok; radius: 4 } }
                                Label { text: model.name; font.pixelSize: theme.text; font.bold: true
                                        wrapMode: Text.Wrap; Layout.fillWidth: true }
                            }
                            Label { text: model.code + "  ·  " + model.field + "  ·  " + model.processing
                                    color: theme.muted; font.pixelSize: theme.small; Layout.fillWidth: true
                                    wrapMode: model.group ? Text.Wrap : Text.NoWrap
                                    elide: model.group ? Text.ElideNone : Text.ElideRight }
                        }
                    }
                }
            }

            // 2. Applicant
            Flickable {
                contentHeight: appCol.implicitHeight
                clip: true
                ColumnLayout {
                    id: appCol
                    width: parent.width
                    spacing: theme.gap
                    Card {
                        Layout.fillWidth: true
                        visible: !screen.typing
                        implicitHeight: 72
                        color: intake.applicant.fromCard ? "#e6f4ea" : "#fff8e1"
                        Label {
                            anchors.fill: parent
                            anchors.margins: theme.gap
                            verticalAlignment: Text.AlignVCenter
                            wrapMode: Text.Wrap
                            text: intake.applicant.fromCard
                                  ? (app.lang, app.t("Thông tin đã đọc từ mã QR trên thẻ căn cước. Kiểm tra lại và nhập số điện thoại."))
                                  : (app.lang, app.t("Đưa mã QR trên thẻ căn cước (CCCD) vào đầu đọc để điền tự động, hoặc nhập bằng tay."))
                        }
                    }
                    // Three columns, three rows: every field stays in sight above the keyboard.
                    GridLayout {
                        columns: 3
                        columnSpacing: theme.gap
                        rowSpacing: 8
                        Layout.fillWidth: true
                        Field { objectName: "fieldName"; Layout.fillWidth: true; Layout.columnSpan: 2
                                Layout.preferredWidth: 2
                                label: app.lang, app.t("Họ và tên")
                                text: intake.applicant.name; onEdited: (v) => intake.setField("name", v) }
                        Field { objectName: "fieldId"; Layout.fillWidth: true; Layout.preferredWidth: 1
                                label: app.lang, app.t("Số CCCD / CMND"); hints: Qt.ImhDigitsOnly
                                text: intake.applicant.id_number; onEdited: (v) => intake.setField("id_number", v) }
                        Field { objectName: "fieldBirth"; Layout.fillWidth: true; Layout.preferredWidth: 1
                                label: app.lang, app.t("Ngày sinh (YYYY-MM-DD)"); hints: Qt.ImhPreferNumbers
                                text: intake.applicant.birth_date; onEdited: (v) => intake.setField("birth_date", v) }
                        Field { Layout.fillWidth: true; Layout.preferredWidth: 1; label: app.lang, app.t("Giới tính")
                                text: intake.applicant.gender; onEdited: (v) => intake.setField("gender", v) }
                        Field { objectName: "fieldPhone"; Layout.fillWidth: true; Layout.preferredWidth: 1
                                label: app.lang, app.t("Số điện thoại"); hints: Qt.ImhDialableCharactersOnly
                                text: intake.applicant.phone; onEdited: (v) => intake.setField("phone", v) }
                        Field { Layout.fillWidth: true; Layout.columnSpan: 2; Layout.preferredWidth: 2
                                label: app.lang, app.t("Địa chỉ")
                                text: intake.applicant.address; onEdited: (v) => intake.setField("address", v) }
                        Field { Layout.fillWidth: true; Layout.preferredWidth: 1; label: app.lang, app.t("Thư điện tử (nếu có)")
                                hints: Qt.ImhEmailCharactersOnly
                                text: intake.applicant.email; onEdited: (v) => intake.setField("email", v) }
                    }
                }
            }

            // 3. Checklist: one touch per document; where the catalog allows more than one
            // kind (original or certified copy), the touch is on the kind received.
            ListView {
                objectName: "checklist"
                clip: true
                spacing: 6
                model: intake.components
                header: ColumnLayout {
                    width: ListView.view ? ListView.view.width : 0
                    spacing: 6
                    // Papers already digitised (issue 24): offered once the citizen agrees.
                    RowLayout {
                        objectName: "papersBar"
                        visible: intake.papers.state === "looking" || intake.papers.state === "waiting" || intake.papers.state === "agreed"
                        Layout.fillWidth: true
                        spacing: theme.gap
                        Label {
                            objectName: "papersText"
                            Layout.fillWidth: true; wrapMode: Text.Wrap; font.bold: true
                            color: intake.papers.state === "agreed" ? theme.ok : theme.primary
                            text: app.lang, intake.papers.state === "looking" ? app.t("Đang tìm giấy tờ đã số hoá của công dân…")
                                : intake.papers.state === "agreed" ? app.t("Chạm «Dùng lại» ở giấy tờ để không phải quét lại.")
                                : intake.papers.citizenScreen ? app.tf("Công dân có {n} giấy tờ đã số hoá: chờ công dân đồng ý trên màn hình công dân.", {"n": intake.papers.count})
                                : app.tf("Công dân có {n} giấy tờ đã số hoá. Hỏi công dân có đồng ý cho dùng lại không.", {"n": intake.papers.count})
                        }
                        Button { objectName: "agreePapers"; visible: intake.papers.state === "waiting" && !intake.papers.citizenScreen
                                 text: app.lang, app.t("Công dân đồng ý"); implicitHeight: theme.touch
                                 onClicked: intake.agreePapers(true) }
                        Button { objectName: "refusePapers"; visible: intake.papers.state === "waiting" && !intake.papers.citizenScreen
                                 text: app.lang, app.t("Không đồng ý"); implicitHeight: theme.touch
                                 onClicked: intake.agreePapers(false) }
                    }
                    Label { text: app.lang, app.t("Chạm vào giấy tờ công dân đã nộp (hoặc loại bản đã nhận):"); bottomPadding: 8 }
                }
                delegate: ItemDelegate {
                    id: checkRow
                    objectName: "check_" + index
                    width: ListView.view.width
                    height: Math.max(theme.touch + 12, cr.implicitHeight + 16)
                    property var kinds: model.kinds
                    property int row: index
                    property string received: model.received
                    property string reusedId: model.reused
                    property var offers: model.offers
                    background: Rectangle { color: model.checked ? "#e6f4ea" : theme.card; radius: 8
                                            border.color: model.checked ? theme.ok : theme.line }
                    onClicked: intake.tick(index, checkRow.received || checkRow.kinds[0].kind)
                    contentItem: RowLayout {
                        id: cr
                        spacing: theme.gap
                        // The whole box is the mark: a large tick, not a small one inside a large box.
                        Rectangle {
                            Layout.preferredWidth: 44; Layout.preferredHeight: 44; radius: 6
                            color: model.checked ? theme.ok : "white"
                            border.color: model.checked ? theme.ok : theme.muted; border.width: 2
                            Label { anchors.centerIn: parent; text: "✓"; visible: model.checked; color: "white"
                                    font.pixelSize: 34; font.bold: true }
                        }
                        ColumnLayout {
                            Layout.fillWidth: true
                            spacing: 2
                            Label { text: model.name; wrapMode: Text.Wrap; Layout.fillWidth: true; font.pixelSize: theme.text }
                            Label { text: (checkRow.kinds.length > 1 ? "" : model.copyKind + "  ·  ")
                                          + (model.needsScan || model.reused !== "" ? (app.lang, app.tf("Số lượng: {n}", {"n": model.count}))
                                                             : (app.lang, app.t("chỉ xem, không nộp")))
                                          + (model.mandatory ? "  ·  " + (app.lang, app.t("Bắt buộc")) : "")
                                    color: model.mandatory && !model.checked ? theme.accent : theme.muted; font.pixelSize: theme.small }
                            Label { objectName: "reusedLabel_" + checkRow.row; visible: model.reusedLabel !== ""
                                    text: app.lang, app.t("Dùng lại, không quét: ") + model.reusedLabel
                                    color: theme.ok; font.bold: true; wrapMode: Text.Wrap; Layout.fillWidth: true
                                    font.pixelSize: theme.small }
                        }
                        Repeater {
                            model: checkRow.offers.slice(0, 2)
                            delegate: Button {
                                objectName: "reuse_" + checkRow.row + "_" + index
                                text: modelData.short
                                ToolTip.text: modelData.label
                                highlighted: checkRow.reusedId === modelData.id
                                Layout.preferredHeight: theme.touch - 8
                                font.pixelSize: theme.small
                                onClicked: intake.reusePaper(checkRow.row, modelData.id)
                            }
                        }
                        Repeater {
                            model: checkRow.kinds.length > 1 ? checkRow.kinds : []
                            delegate: Button {
                                objectName: "kind_" + checkRow.row + "_" + modelData.kind
                                text: modelData.label
                                highlighted: checkRow.received === modelData.kind
                                Layout.preferredHeight: theme.touch - 8
                                font.pixelSize: theme.small
                                onClicked: intake.tick(checkRow.row, modelData.kind)
                            }
                        }
                    }
                }
            }

            // 4. Scanning
            ColumnLayout {
                spacing: theme.gap
                // A batch cut mid-way (power cut, crash): said once the draft is resumed,
                // until the document is scanned again or the clerk has read it.
                Rectangle {
                    objectName: "interruptedBanner"
                    visible: intake.interrupted !== ""
                    Layout.fillWidth: true
                    implicitHeight: cutRow.implicitHeight + 20
                    radius: theme.radius
                    color: "#fff3e0"
                    border.color: theme.warn
                    RowLayout {
                        id: cutRow
                        anchors.fill: parent
                        anchors.margins: 10
                        spacing: theme.gap
                        Label { objectName: "interruptedText"; text: intake.interrupted; wrapMode: Text.Wrap
                                Layout.fillWidth: true; color: theme.ink; font.bold: true }
                        Button { objectName: "interruptedOk"; text: app.lang, app.t("Đã hiểu")
                                 Layout.preferredHeight: theme.touch; onClicked: intake.dismissInterrupted() }
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    spacing: theme.gap
                    ListView {
                        objectName: "scanComponents"
                        Layout.preferredWidth: Math.max(380, screen.width * 0.28)
                        Layout.fillHeight: true
                        clip: true
                        spacing: 6
                        model: intake.components
                        delegate: ItemDelegate {
                            objectName: "scanItem_" + index
                            width: ListView.view.width
                            visible: model.checked && model.needsScan
                            height: visible ? Math.max(theme.touch + 8, sc.implicitHeight + 16) : 0
                            highlighted: index === intake.currentComponent
                            background: Rectangle { color: index === intake.currentComponent ? "#cfe0f1" : theme.card
                                                    radius: 8; border.color: theme.line }
                            onClicked: intake.selectComponent(index)
                            contentItem: ColumnLayout {
                                id: sc
                                Label { text: model.name; wrapMode: Text.Wrap; Layout.fillWidth: true }
                                Label { text: app.lang, app.tf("{n} trang", {"n": model.pages})
                                        color: model.pages > 0 ? theme.ok : theme.danger; font.bold: true }
                            }
                        }
                    }
                    ColumnLayout {
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        spacing: theme.gap
                        RowLayout {
                            spacing: theme.gap
                            BigButton { objectName: "scanButton"; text: app.lang, app.t("Quét")
                                        enabled: !intake.scanning; Layout.preferredWidth: 180
                                        onClicked: intake.scan() }
                            BigButton { objectName: "scanAllButton"; text: app.lang, app.t("Quét cả bộ")
                                        sub: app.lang, app.t("tờ trắng ngăn cách giấy tờ"); tint: theme.primaryDark
                                        visible: intake.canScanAll && !intake.scanning; Layout.preferredWidth: 220
                                        onClicked: intake.scanAll() }
                            BigButton { objectName: "rescanButton"; text: app.lang, app.t("Quét lại"); tint: theme.warn
                                        enabled: !intake.scanning && intake.pages.count > 0
                                        Layout.preferredWidth: 180; onClicked: intake.rescan() }
                            BigButton { objectName: "stopButton"
                                        text: intake.stopping ? (app.lang, app.t("Đang dừng…")) : (app.lang, app.t("Dừng"))
                                        tint: theme.danger; enabled: !intake.stopping
                                        visible: intake.scanning; Layout.preferredWidth: 160
                                        onClicked: intake.cancelScan() }
                            BusyIndicator { running: intake.scanning; visible: running }
                            Label { objectName: "scanStatus"; text: intake.scanStatus; Layout.fillWidth: true
                                    wrapMode: Text.Wrap; color: intake.stopping ? theme.danger : theme.muted
                                    font.bold: intake.stopping }
                        }
                        GridView {
                            objectName: "pageGrid"
                            Layout.fillWidth: true
                            Layout.fillHeight: true
                            clip: true
                            cellWidth: 220
                            cellHeight: 380
                            model: intake.pages
                            delegate: Card {
                                width: 208
                                height: 368
                                opacity: model.blank ? 0.45 : 1
                                ColumnLayout {
                                    anchors.fill: parent
                                    anchors.margins: 8
                                    spacing: 4
                                    Image {
                                        source: model.thumb
                                        Layout.fillWidth: true
                                        Layout.preferredHeight: 220
                                        fillMode: Image.PreserveAspectFit
                                        rotation: model.rotation
                                        asynchronous: true
                                    }
                                    Label { text: (index + 1) + ". " + (model.blank ? (app.lang, app.t("Trang trắng (để riêng)")) : model.summary)
                                            font.pixelSize: theme.small; Layout.fillWidth: true; elide: Text.ElideRight }
                                    RowLayout {
                                        spacing: 4
                                        Button { text: "⟳"; Layout.preferredWidth: 46; Layout.preferredHeight: 56; onClicked: intake.rotatePage(index) }
                                        Button { text: "◀"; Layout.preferredWidth: 46; Layout.preferredHeight: 56; enabled: index > 0; onClicked: intake.movePage(index, index - 1) }
                                        Button { text: "▶"; Layout.preferredWidth: 46; Layout.preferredHeight: 56; enabled: index < intake.pages.count - 1; onClicked: intake.movePage(index, index + 1) }
                                        Button { text: "✕"; Layout.preferredWidth: 46; Layout.preferredHeight: 56; onClicked: intake.deletePage(index) }
                                    }
                                    Button { text: model.blank ? (app.lang, app.t("Giữ trang này")) : (app.lang, app.t("Đánh dấu trang trắng"))
                                             Layout.fillWidth: true; Layout.preferredHeight: 48; font.pixelSize: theme.small
                                             onClicked: intake.toggleBlank(index) }
                                }
                            }
                        }
                    }
                }
            }

            // 5. Review
            Flickable {
                contentHeight: rv.implicitHeight
                clip: true
                ColumnLayout {
                    id: rv
                    width: parent.width
                    spacing: theme.gap
                    Card {
                        Layout.fillWidth: true
                        implicitHeight: rvInfo.implicitHeight + 32
                        ColumnLayout {
                            id: rvInfo
                            anchors.fill: parent
                            anchors.margins: theme.gap
                            Label { text: intake.procedure.name; font.bold: true; font.pixelSize: theme.title
                                    wrapMode: Text.Wrap; Layout.fillWidth: true }
                            Label { text: intake.applicant.name + (intake.applicant.id_number ? "  ·  " + intake.applicant.id_number : "")
                                    font.pixelSize: theme.text }
                            Label { text: intake.applicant.address; color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
                            Label { text: intake.applicant.phone; color: theme.muted }
                        }
                    }
                    Repeater {
                        model: intake.components
                        delegate: RowLayout {
                            visible: model.checked
                            Layout.fillWidth: true
                            Label { text: "✓ " + model.name; Layout.fillWidth: true; wrapMode: Text.Wrap }
                            Label { text: model.needsScan ? model.receivedLabel + "  ·  " + (app.lang, app.tf("{n} trang", {"n": model.pages}))
                                                          : (app.lang, app.t("Xuất trình"))
                                    color: theme.muted }
                        }
                    }
                    ReceptionOptions { Layout.fillWidth: true }
                    Repeater {
                        model: intake.problems
                        delegate: Label { text: "• " + modelData; color: theme.danger; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    }
                    // Consent to notices (issue 25): the citizen's ticks, or the clerk's
                    // toggles when there is no citizen screen.
                    Label {
                        objectName: "noticeConsentState"
                        text: app.lang, noticeConsent.text
                        color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true
                    }
                    Flow {
                        visible: !noticeConsent.citizenScreen && noticeConsent.choices.length > 0
                        Layout.fillWidth: true
                        spacing: theme.gap
                        Repeater {
                            model: noticeConsent.choices
                            delegate: Switch {
                                objectName: "noticeToggle_" + modelData.channel
                                checked: modelData.chosen
                                text: app.lang, (modelData.channel === "sms"
                                    ? app.tf("Nhận thông báo qua SMS ({address})", {"address": modelData.address})
                                    : app.tf("Nhận thông báo qua e-mail ({address})", {"address": modelData.address}))
                                onToggled: noticeConsent.toggle(modelData.channel, checked)
                            }
                        }
                    }
                    Label {  // check before save: the citizen screen's confirmation (issue 16)
                        objectName: "citizenConfirmState"
                        visible: citizenLink.present
                        text: app.lang, citizenLink.text
                        color: citizenLink.confirmed ? theme.ok : theme.warn
                        font.bold: true; wrapMode: Text.Wrap; Layout.fillWidth: true
                    }
                }
            }

            // 6. Done
            Item {
            ColumnLayout {
                anchors.centerIn: parent
                spacing: theme.gap
                Label { text: app.lang, app.t("Đã tiếp nhận hồ sơ"); font.pixelSize: theme.title; Layout.alignment: Qt.AlignHCenter }
                Label { objectName: "savedCode"; text: intake.saved.code || ""; font.pixelSize: theme.huge; font.bold: true
                        color: theme.primary; Layout.alignment: Qt.AlignHCenter; visible: !intake.saved.groupName }
                Label { text: intake.saved.dueText ? (app.lang, app.tf("Hẹn trả kết quả: {due}", {"due": intake.saved.dueText})) : ""
                        font.pixelSize: theme.title; Layout.alignment: Qt.AlignHCenter; visible: !intake.saved.groupName }
                // Liên thông: every dossier of the group, each with its code and its own due time.
                Label { objectName: "savedGroup"; visible: !!intake.saved.groupName; text: intake.saved.groupName || ""
                        font.pixelSize: theme.text; font.bold: true; wrapMode: Text.Wrap
                        Layout.maximumWidth: 1100; horizontalAlignment: Text.AlignHCenter
                        Layout.alignment: Qt.AlignHCenter }
                Repeater {
                    model: intake.saved.dossiers || []
                    delegate: ColumnLayout {
                        objectName: "savedDossier_" + index
                        Layout.alignment: Qt.AlignHCenter
                        spacing: 0
                        Label { text: modelData.code; font.pixelSize: theme.title; font.bold: true; color: theme.primary
                                Layout.alignment: Qt.AlignHCenter }
                        Label { text: app.lang, app.tf("{procedure} · {agency} · hẹn trả {due}",
                                                       {"procedure": modelData.procedure_name, "agency": modelData.handled_by,
                                                        "due": modelData.dueText})
                                font.pixelSize: theme.small; Layout.alignment: Qt.AlignHCenter }
                    }
                }
                RowLayout {
                    Layout.alignment: Qt.AlignHCenter
                    spacing: theme.gap
                    BigButton { text: app.lang, app.t("In lại phiếu hẹn"); Layout.preferredWidth: 260; onClicked: intake.printAgain() }
                    BigButton { objectName: "newIntake"; text: app.lang, app.t("Tiếp nhận hồ sơ mới"); tint: theme.ok
                                Layout.preferredWidth: 260; onClicked: intake.start() }
                    BigButton { text: app.lang, app.t("Về trang chính"); tint: theme.muted; Layout.preferredWidth: 260
                                onClicked: app.go("home") }
                }
            }
            }
        }

        // Bottom navigation (under the keyboard's own Enter while typing)
        RowLayout {
            Layout.fillWidth: true
            visible: intake.step < 5 && !screen.typing
            spacing: theme.gap
            BigButton { objectName: "backButton"; text: app.lang, app.t("◀ Quay lại"); tint: theme.muted
                        enabled: intake.step > 0; Layout.preferredWidth: 220; onClicked: intake.back() }
            Label { text: intake.problems.length ? intake.problems[0] : ""; color: theme.danger
                    wrapMode: Text.Wrap; Layout.fillWidth: true; font.pixelSize: theme.small }
            BigButton { objectName: "nextButton"; text: app.lang, app.t("Tiếp tục ▶"); visible: intake.step < 4
                        Layout.preferredWidth: 220; onClicked: intake.next() }
            // In the bottom bar, not at the end of the review: always in sight, at any size
            // and however long the review is.
            BigButton { objectName: "saveButton"; text: app.lang, app.t("Lưu hồ sơ và in phiếu hẹn")
                        tint: theme.ok; visible: intake.step === 4
                        enabled: intake.problems.length === 0 && !intake.saving
                        Layout.preferredWidth: 460; font.pixelSize: theme.title - 4
                        onClicked: intake.save() }
        }
    }

    // Another person's CCCD read mid-intake: nothing changes until the clerk says what it is.
    TouchDialog {
        id: cardAsk
        objectName: "cardSwitchDialog"
        visible: intake.pendingCard.name !== undefined
        closePolicy: Popup.NoAutoClose
        Label { text: app.lang, app.t("Vừa đọc CCCD của người khác"); font.bold: true; font.pixelSize: theme.title - 4 }
        Label { objectName: "cardSwitchText"; wrapMode: Text.Wrap; Layout.fillWidth: true
                text: app.lang, app.tf("Thẻ vừa đọc: {name} ({id}). Hồ sơ đang tiếp nhận là của {current}.",
                                       {"name": intake.pendingCard.name || "", "id": intake.pendingCard.idNumber || "",
                                        "current": intake.pendingCard.current || ""}) }
        // The three answers, one under another (each names the person), in the fixed row.
        buttons: [
            ColumnLayout {
                Layout.fillWidth: true
                spacing: theme.gap
                BigButton { objectName: "cardNewIntake"; Layout.fillWidth: true
                            text: app.lang, app.tf("Tiếp nhận hồ sơ mới cho {name}", {"name": intake.pendingCard.name || ""})
                            sub: app.lang, app.t("hồ sơ đang làm được giữ dạng bản nháp")
                            onClicked: intake.newIntakeForCard() }
                BigButton { objectName: "cardSwitch"; Layout.fillWidth: true; tint: theme.warn
                            text: app.lang, app.tf("Đổi người nộp hồ sơ này thành {name}", {"name": intake.pendingCard.name || ""})
                            onClicked: intake.switchApplicant() }
                BigButton { objectName: "cardIgnore"; Layout.fillWidth: true; tint: theme.muted
                            text: app.lang, app.t("Bỏ qua, giữ nguyên hồ sơ")
                            onClicked: intake.ignoreCard() }
            }
        ]
    }
}
