import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "parts"

// The TTHC statistics of a period: the figures of the official form, three charts drawn
// with QML Canvas (QtCharts needs a QApplication; this app runs a QGuiApplication), and
// exports. Every number comes from kiosk.reports.summary, as in the PDF and the workbook.
Flickable {
    id: screen
    objectName: "reportsScreen"
    contentHeight: col.implicitHeight + 48
    clip: true
    property var r: reports.report
    Component.onCompleted: reports.refresh()

    function pct(x) { return x === null || x === undefined ? "—" : (x * 100).toFixed(2).replace(".", ",") + " %" }
    function n(path) {
        var node = screen.r
        var parts = path.split(".")
        for (var i = 0; i < parts.length; i++) { if (!node) return 0; node = node[parts[i]] }
        return node === undefined || node === null ? 0 : node
    }

    ColumnLayout {
        id: col
        x: 24; y: 16
        width: screen.width - 48
        spacing: theme.gap

        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Label { text: app.lang, app.t("Báo cáo thống kê"); font.pixelSize: theme.title; font.bold: true
                    Layout.fillWidth: true }
            Button { text: app.lang, app.t("Tháng này"); objectName: "presetMonth"; Layout.preferredHeight: theme.touch; onClicked: reports.preset("month") }
            Button { text: app.lang, app.t("Tháng trước"); Layout.preferredHeight: theme.touch; onClicked: reports.preset("last_month") }
            Button { text: app.lang, app.t("Năm nay"); Layout.preferredHeight: theme.touch; onClicked: reports.preset("year") }
            TextField { id: fromField; objectName: "reportFrom"; text: reports.dateFrom; Layout.preferredWidth: 150
                        Layout.preferredHeight: theme.touch }
            Label { text: "–" }
            TextField { id: toField; objectName: "reportTo"; text: reports.dateTo; Layout.preferredWidth: 150
                        Layout.preferredHeight: theme.touch }
            Button { text: app.lang, app.t("Xem"); objectName: "reportShow"; highlighted: true
                     Layout.preferredHeight: theme.touch; onClicked: reports.setPeriod(fromField.text, toField.text) }
            Button { text: app.lang, app.t("Về trang chính"); Layout.preferredHeight: theme.touch; onClicked: app.go("home") }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: theme.gap
            StatTile { Layout.fillWidth: true; implicitHeight: 150; objectName: "repReceived"
                       label: app.lang, app.tf("Tiếp nhận ({c} kỳ trước chuyển qua, {b} nhập bù)", {"c": n("received.carried_over"), "b": n("received.back_entered")})
                       value: n("received.total") }
            StatTile { Layout.fillWidth: true; implicitHeight: 150; objectName: "repResolved"; tint: theme.ok
                       label: app.lang, app.tf("Đã giải quyết: {e} trước hạn, {o} đúng hạn, {l} quá hạn", {"e": n("resolved.early"), "o": n("resolved.on_time"), "l": n("resolved.late")})
                       value: n("resolved.total") }
            // Judged at the period's end, or now while the period runs: the label says which,
            // so it never reads as a second "overdue" beside Home's "overdue now".
            StatTile { Layout.fillWidth: true; implicitHeight: 150; objectName: "repPending"; tint: theme.warn
                       label: app.lang, app.tf("Đang giải quyết: {d} chưa đến hạn, {o} quá hạn tính đến {moment}", {"d": n("pending.not_due"), "o": n("pending.overdue"), "moment": reports.judgedText})
                       value: n("pending.total") }
            StatTile { Layout.fillWidth: true; implicitHeight: 150; objectName: "repApology"; tint: theme.danger
                       label: app.lang, app.tf("Quá hạn có phiếu xin lỗi; đã trả {r} kết quả", {"r": n("returned")})
                       value: n("late_with_apology") }
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Label { objectName: "repShares"; Layout.fillWidth: true; wrapMode: Text.Wrap; font.pixelSize: theme.small
                    text: app.lang, app.tf("Tỷ lệ đúng hạn {a} · trực tuyến {b} · số hoá đủ {c}: {d}/{h} hồ sơ có giấy tờ phải số hoá (chỉ tiêu {t})",
                                           {"a": screen.pct(screen.r.on_time_rate), "b": screen.pct(screen.r.online_share),
                                            "c": screen.pct(screen.r.digitised_share), "d": n("digitised"),
                                            "h": n("digitisation.dossiers"), "t": screen.pct(reports.target)}) }
            TextField { id: folder; objectName: "reportFolder"; text: reports.defaultFolder; Layout.preferredWidth: 280
                        Layout.preferredHeight: theme.touch; font.pixelSize: theme.small }
            Button { text: app.lang, app.t("Xuất PDF"); objectName: "exportPdf"; Layout.preferredHeight: theme.touch
                     onClicked: reports.exportTo("pdf", folder.text) }
            Button { text: app.lang, app.t("Xuất Excel"); objectName: "exportXlsx"; Layout.preferredHeight: theme.touch
                     onClicked: reports.exportTo("xlsx", folder.text) }
            Button { text: app.lang, app.t("In báo cáo"); objectName: "printReport"; Layout.preferredHeight: theme.touch
                     onClicked: reports.printReport() }
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: theme.gap
            Card {
                Layout.fillWidth: true
                Layout.preferredHeight: 230
                ColumnLayout {
                    anchors.fill: parent; anchors.margins: 12
                    Label { text: app.lang, app.t("Đúng hạn và quá hạn theo tháng"); font.bold: true }
                    Canvas {
                        id: monthsChart
                        objectName: "chartMonths"
                        Layout.fillWidth: true; Layout.fillHeight: true
                        property var points: reports.months
                        property string okLabel: app.lang, app.t("Đúng hạn")
                        property string lateLabel: app.lang, app.t("Quá hạn")
                        onPointsChanged: requestPaint()
                        onWidthChanged: requestPaint()
                        onPaint: {
                            var ctx = getContext("2d"); ctx.reset()
                            var d = points || []; var top = 1
                            for (var i = 0; i < d.length; i++) top = Math.max(top, d[i].on_time + d[i].late)
                            var left = 36, bottom = height - 24, h = bottom - 40
                            ctx.font = "14px sans-serif"; ctx.fillStyle = "#5b6570"; ctx.strokeStyle = "#d0d7de"
                            ctx.beginPath(); ctx.moveTo(left, bottom); ctx.lineTo(width, bottom); ctx.stroke()
                            ctx.fillText(String(top), 4, bottom - h + 5); ctx.fillText("0", 4, bottom)
                            var slot = (width - left) / Math.max(1, d.length), bw = Math.min(56, slot * 0.6)
                            for (var j = 0; j < d.length; j++) {
                                var x = left + slot * j + (slot - bw) / 2
                                var hOk = h * d[j].on_time / top, hLate = h * d[j].late / top
                                ctx.fillStyle = "#1b7f3b"; ctx.fillRect(x, bottom - hOk, bw, hOk)
                                ctx.fillStyle = "#b3261e"; ctx.fillRect(x, bottom - hOk - hLate, bw, hLate)
                                ctx.fillStyle = "#1c2329"
                                ctx.fillText(d[j].on_time + " / " + d[j].late, x, bottom - hOk - hLate - 6)
                                ctx.fillText(d[j].month, x, bottom + 18)
                            }
                            ctx.fillStyle = "#1b7f3b"; ctx.fillRect(left + 8, 0, 14, 14)
                            ctx.fillStyle = "#1c2329"; ctx.fillText(okLabel, left + 28, 12)
                            ctx.fillStyle = "#b3261e"; ctx.fillRect(left + 128, 0, 14, 14)
                            ctx.fillStyle = "#1c2329"; ctx.fillText(lateLabel, left + 148, 12)
                        }
                    }
                }
            }
            Card {
                Layout.preferredWidth: 440
                Layout.preferredHeight: 230
                ColumnLayout {
                    anchors.fill: parent; anchors.margins: 12
                    Label { text: app.lang, app.t("Kênh tiếp nhận (hồ sơ mới)"); font.bold: true }
                    Canvas {
                        id: pie
                        objectName: "chartChannels"
                        Layout.fillWidth: true; Layout.fillHeight: true
                        property var points: reports.channels
                        onPointsChanged: requestPaint()
                        onPaint: {
                            var ctx = getContext("2d"); ctx.reset()
                            var d = points || []; var total = 0
                            var colours = ["#0b4f8a", "#1b7f3b", "#b26a00", "#5a3e8c"]
                            for (var i = 0; i < d.length; i++) total += d[i].value
                            var cx = 72, cy = height / 2, rad = Math.min(68, height / 2 - 8), a = -Math.PI / 2
                            ctx.font = "13px sans-serif"
                            if (total === 0) { ctx.strokeStyle = "#d0d7de"; ctx.beginPath(); ctx.arc(cx, cy, rad, 0, 2 * Math.PI); ctx.stroke() }
                            for (var j = 0; j < d.length; j++) {
                                var part = total ? d[j].value / total : 0
                                if (part > 0) {
                                    ctx.fillStyle = colours[j]; ctx.beginPath(); ctx.moveTo(cx, cy)
                                    ctx.arc(cx, cy, rad, a, a + part * 2 * Math.PI); ctx.closePath(); ctx.fill()
                                    a += part * 2 * Math.PI
                                }
                                ctx.fillStyle = colours[j]; ctx.fillRect(152, 20 + j * 30, 14, 14)
                                ctx.fillStyle = "#1c2329"
                                ctx.fillText(d[j].label + ": " + d[j].value + (total ? " (" + Math.round(part * 100) + " %)" : ""), 172, 32 + j * 30)
                            }
                        }
                    }
                }
            }
        }

        Card {
            Layout.fillWidth: true
            Layout.preferredHeight: 170
            ColumnLayout {
                anchors.fill: parent; anchors.margins: 12
                Label { text: app.lang, app.tf("Tỷ lệ hồ sơ được số hoá theo tháng so với chỉ tiêu {t}", {"t": screen.pct(reports.target)}); font.bold: true }
                Canvas {
                    id: digitised
                    objectName: "chartDigitised"
                    Layout.fillWidth: true; Layout.fillHeight: true
                    property var points: reports.months
                    property real target: reports.target
                    onPointsChanged: requestPaint()
                    onWidthChanged: requestPaint()
                    onPaint: {
                        var ctx = getContext("2d"); ctx.reset()
                        var d = points || []
                        var left = 44, bottom = height - 24, h = bottom - 22
                        ctx.font = "14px sans-serif"; ctx.fillStyle = "#5b6570"
                        ctx.fillText("100 %", 0, bottom - h + 5); ctx.fillText("0", 20, bottom)
                        ctx.strokeStyle = "#d0d7de"; ctx.beginPath(); ctx.moveTo(left, bottom); ctx.lineTo(width, bottom); ctx.stroke()
                        var slot = (width - left) / Math.max(1, d.length), bw = Math.min(56, slot * 0.6)
                        for (var j = 0; j < d.length; j++) {
                            var share = d[j].digitised_share === null ? 0 : d[j].digitised_share
                            var x = left + slot * j + (slot - bw) / 2
                            ctx.fillStyle = share >= target ? "#1b7f3b" : "#b26a00"
                            ctx.fillRect(x, bottom - h * share, bw, h * share)
                            ctx.fillStyle = "#1c2329"
                            ctx.fillText(d[j].digitised_share === null ? "—" : Math.round(share * 100) + " %", x, bottom - h * share - 6)
                            ctx.fillText(d[j].month, x, bottom + 18)
                        }
                        var y = bottom - h * target
                        ctx.strokeStyle = "#c8102e"; ctx.lineWidth = 2; ctx.setLineDash([8, 6])
                        ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(width, y); ctx.stroke()
                        ctx.fillStyle = "#c8102e"; ctx.fillText(Math.round(target * 100) + " %", width - 48, y - 6)
                    }
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Label { text: app.lang, app.t("Kết quả trả qua bưu chính hôm nay:"); font.bold: true }
            Button { text: app.lang, app.t("Lưu bảng kê"); objectName: "postalSave"; Layout.preferredHeight: theme.touch
                     onClicked: reports.postalList(folder.text, false) }
            Button { text: app.lang, app.t("In bảng kê"); objectName: "postalPrint"; Layout.preferredHeight: theme.touch
                     onClicked: reports.postalList(folder.text, true) }
            Label { visible: reports.lastFile !== ""; text: reports.lastFile; color: theme.muted; objectName: "reportLastFile"
                    Layout.fillWidth: true; elide: Text.ElideMiddle }
        }
    }
}
