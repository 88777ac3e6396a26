import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

Flickable {
    id: screen
    contentHeight: col.implicitHeight + 48
    clip: true
    // Who collects the result lives in the model: a proxy's CCCD read fills it (returns.take_card).
    readonly property bool proxy: returns.recipient.proxy === true

    ColumnLayout {
        id: col
        x: 24; y: 24
        width: screen.width - 48
        spacing: theme.gap

        Label { text: app.lang, app.t("Quét mã vạch trên phiếu hẹn hoặc đọc CCCD của công dân (hay nhập mã hồ sơ, họ tên, số CCCD). Người nhận thay: mở hồ sơ rồi đọc CCCD của họ.")
                visible: returns.dossier.code === undefined
                color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
        // The title beside the search field: one row more for the hand-over at 1366×768.
        RowLayout {
            Layout.fillWidth: true
            spacing: theme.gap
            Label { text: app.lang, app.t("Trả kết quả"); font.pixelSize: theme.title; font.bold: true }
            TextField {
                id: query
                objectName: "returnQuery"
                Layout.fillWidth: true
                Layout.preferredHeight: theme.touch
                font.pixelSize: theme.text
                // Words, not a sample code: a sample looks like a code already read.
                placeholderText: app.lang, app.t("Quét mã vạch trên phiếu hẹn, hoặc gõ mã hồ sơ, họ tên, số CCCD")
                onAccepted: returns.find(text)
            }
            BigButton { text: app.lang, app.t("Tìm"); Layout.preferredWidth: 160; onClicked: returns.find(query.text) }
        }

        Label { text: returns.matchesTitle; visible: text !== "" && returns.dossier.code === undefined
                font.bold: true }
        ListView {
            objectName: "returnMatches"
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(contentHeight, 320)
            visible: returns.matches.count > 0 && returns.dossier.code === undefined
            clip: true
            model: returns.matches
            delegate: DossierRow { onClicked: returns.find(model.code) }
        }

        Card {
            objectName: "returnCard"
            Layout.fillWidth: true
            visible: returns.dossier.code !== undefined
            implicitHeight: rc.implicitHeight + 32
            ColumnLayout {
                id: rc
                anchors.fill: parent
                anchors.margins: theme.gap
                spacing: 8
                RowLayout {
                    Layout.fillWidth: true
                    Label { text: returns.dossier.code || ""; font.pixelSize: theme.title; font.bold: true; color: theme.primary
                            Layout.fillWidth: true }
                    Button { objectName: "returnDetail"; text: app.lang, app.t("Xem chi tiết hồ sơ"); Layout.preferredHeight: theme.touch
                             leftPadding: 16; rightPadding: 16
                             onClicked: app.go("detail", returns.dossier.code) }
                }
                Label { text: returns.dossier.procedure || ""; wrapMode: Text.Wrap; Layout.fillWidth: true }
                Label { text: (returns.dossier.name || "") + (returns.dossier.idNumber ? "  ·  " + returns.dossier.idNumber : "") }
                Label { objectName: "returnStatus"; text: returns.dossier.statusLabel || ""; font.bold: true
                        color: returns.dossier.canReturn || returns.dossier.justReturned ? theme.ok : theme.warn }
                Label { objectName: "returnAdvice"; text: returns.dossier.advice || ""; wrapMode: Text.Wrap
                        Layout.fillWidth: true; font.pixelSize: theme.text
                        color: returns.dossier.justReturned ? theme.ok : theme.ink
                        font.bold: returns.dossier.justReturned === true }

                // The results (issue 24): electronic ones from the province, paper ones
                // digitised here; what is given of each; a reason when none is on file.
                ColumnLayout {
                    objectName: "resultsSection"
                    visible: returns.dossier.canReturn === true || returns.dossier.status === 10
                    readonly property var rows: returns.dossier.results || []
                    readonly property bool open: returns.dossier.canReturn === true && !returns.returned
                    // With a result on file the scan row folds away behind one button.
                    property bool addMore: false
                    onRowsChanged: addMore = false
                    id: results
                    Layout.fillWidth: true
                    spacing: 6
                    // One line while nothing is on file: scan it, or say why it goes unscanned;
                    // the hand-over button stays in sight at 1366×768 (a proxy's fields too).
                    Flow {
                        objectName: "resultsHeader"
                        Layout.fillWidth: true
                        spacing: 8
                        Label { text: app.lang, app.t("Kết quả:"); font.bold: true; font.pixelSize: theme.text
                                height: theme.touch; verticalAlignment: Text.AlignVCenter }
                        Label { objectName: "noResults"; visible: results.rows.length === 0
                                text: app.lang, app.t("chưa số hoá.")
                                color: theme.warn; height: theme.touch; verticalAlignment: Text.AlignVCenter }
                        Button { objectName: "scanMoreResults"
                                 text: results.rows.length > 0 ? (app.lang, app.t("+ Quét thêm kết quả giấy"))
                                                                : (app.lang, app.t("Quét kết quả giấy"))
                                 visible: results.open && !results.addMore
                                 implicitHeight: theme.touch; onClicked: results.addMore = true }
                        Label { objectName: "unscannedReasons"
                                visible: results.open && results.rows.length === 0 && !results.addMore
                                text: app.lang, app.t("hoặc trả không quét vì:")
                                height: theme.touch; verticalAlignment: Text.AlignVCenter }
                        Repeater {
                            model: results.open && results.rows.length === 0 && !results.addMore
                                   ? returns.unscannedReasons : []
                            delegate: Button {
                                objectName: "unscannedReason" + index
                                text: modelData; checkable: true; implicitHeight: theme.touch
                                checked: returns.unscannedReason === modelData
                                onClicked: returns.setUnscannedReason(checked ? modelData : "")
                            }
                        }
                    }
                    Repeater {
                        model: results.rows
                        delegate: RowLayout {
                            objectName: "resultRow" + index
                            Layout.fillWidth: true
                            spacing: theme.gap
                            ColumnLayout {
                                Layout.fillWidth: true
                                spacing: 2
                                Label { text: modelData.kindName + (modelData.number ? "  ·  số " + modelData.number : "")
                                        font.bold: true; wrapMode: Text.Wrap; Layout.fillWidth: true }
                                Label { objectName: "resultSignature" + index
                                        text: app.lang, app.t("Mã số hoá: ") + modelData.code + "  ·  " + modelData.signature
                                        color: modelData.tone === "ok" ? theme.ok : modelData.tone === "warn" ? theme.warn : theme.muted
                                        wrapMode: Text.Wrap; Layout.fillWidth: true; font.pixelSize: theme.small }
                            }
                            Repeater {
                                model: results.open ? ["paper", "electronic", "both"] : []
                                delegate: Button {
                                    objectName: "given_" + modelData + "_" + (parent ? parent.rowIndex : 0)
                                    readonly property string how: modelData
                                    // An electronic file given at the counter is printed on the spot.
                                    text: how === "paper" ? app.t("Bản giấy") : how === "electronic" ? app.t("In bản điện tử") : app.t("Cả hai")
                                    checkable: true
                                    implicitHeight: theme.touch
                                    checked: (returns.given[parent.resultId] || parent.defaultGiven) === how
                                    onClicked: returns.setGiven(parent.resultId, how)
                                }
                            }
                            property string resultId: modelData.id
                            property string defaultGiven: modelData.given
                            property int rowIndex: index
                            Label { visible: !results.open && modelData.handedOver !== ""
                                    objectName: "handedOver" + rowIndex
                                    text: (modelData.handedOver === "paper" ? app.t("Đã trao bản giấy")
                                        : modelData.handedOver === "electronic" ? app.t("Đã trao bản điện tử") : app.t("Đã trao cả hai"))
                                        + (modelData.delivered === "printed" ? app.t(" (in tại chỗ)")
                                           : modelData.delivered === "sent" ? app.t(" (đã gửi)") : "")
                                    color: theme.ok }
                        }
                    }
                    RowLayout {
                        visible: results.open && results.addMore
                        Layout.fillWidth: true
                        spacing: theme.gap
                        // Placeholders, not captions: the hand-over button stays in sight at 1366×768.
                        ComboBox { id: resultKind; objectName: "resultKind"; model: returns.resultKinds
                                   Layout.fillWidth: true; Layout.preferredWidth: 2
                                   implicitHeight: theme.touch; font.pixelSize: theme.text }
                        TextField { id: resultNumber; objectName: "resultNumber"; Layout.fillWidth: true; Layout.preferredWidth: 1
                                    Layout.preferredHeight: theme.touch; font.pixelSize: theme.text
                                    placeholderText: app.lang, app.t("Số, ký hiệu") }
                        TextField { id: resultIssued; objectName: "resultIssued"; Layout.fillWidth: true; Layout.preferredWidth: 1
                                    Layout.preferredHeight: theme.touch; font.pixelSize: theme.text
                                    placeholderText: app.lang, app.t("Ngày ban hành (ngày/tháng/năm)") }
                        BigButton { objectName: "scanResultButton"; text: app.lang, app.t("Bắt đầu quét")
                                    enabled: !returns.scanning
                                    onClicked: returns.scanResult(resultKind.currentIndex, resultNumber.text, resultIssued.text) }
                    }
                    Label { objectName: "resultScanStatus"; text: returns.scanStatus; visible: text !== "" && returns.scanning
                            color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Label { visible: !results.open && (returns.dossier.unscannedReason || "") !== ""
                            text: app.lang, app.t("Trả không quét, lý do: ") + (returns.dossier.unscannedReason || "")
                            color: theme.muted; wrapMode: Text.Wrap; Layout.fillWidth: true }
                }

                ColumnLayout {
                    visible: returns.dossier.canReturn === true && !returns.returned
                    Layout.fillWidth: true
                    spacing: 8
                    RowLayout {
                        spacing: theme.gap
                        RadioButton { objectName: "ownerRadio"; text: app.lang, app.t("Chính chủ nhận"); checked: !screen.proxy
                                      implicitHeight: theme.touch; indicator.width: 36; indicator.height: 36
                                      onClicked: returns.setProxy(false); font.pixelSize: theme.text }
                        RadioButton { objectName: "proxyRadio"; text: app.lang, app.t("Người được ủy quyền nhận")
                                      implicitHeight: theme.touch; indicator.width: 36; indicator.height: 36
                                      checked: screen.proxy; onClicked: returns.setProxy(true); font.pixelSize: theme.text }
                        Label { objectName: "recipientFromCard"; visible: returns.recipient.fromCard === true
                                text: app.lang, app.t("✓ đọc từ CCCD"); color: theme.ok; font.bold: true }
                    }
                    // Side by side: the hand-over button stays in sight at 1366×768.
                    RowLayout {
                        visible: screen.proxy
                        Layout.fillWidth: true
                        spacing: theme.gap
                        Field { id: whoName; objectName: "recipientName"; Layout.fillWidth: true; Layout.preferredWidth: 2
                                label: app.lang, app.t("Họ tên người nhận")
                                text: returns.recipient.name || ""; onEdited: (v) => returns.setRecipientField("name", v) }
                        Field { id: whoId; objectName: "recipientId"; Layout.fillWidth: true; Layout.preferredWidth: 1
                                label: app.lang, app.t("Số CCCD/CMND người nhận"); hints: Qt.ImhDigitsOnly
                                text: returns.recipient.idNumber || ""; onEdited: (v) => returns.setRecipientField("idNumber", v) }
                    }
                    BigButton {
                        objectName: "handOverButton"
                        text: app.lang, app.t("Xác nhận đã trả kết quả")
                        tint: theme.ok
                        Layout.fillWidth: true
                        onClicked: returns.handOver(screen.proxy, whoName.text, whoId.text)
                    }
                }
            }
        }
    }
}
