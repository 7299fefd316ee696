.pragma library

// Presentation helpers shared by the cards: times, durations, byte sizes.

function pad(n) { return n < 10 ? "0" + n : "" + n; }

// "14:03:27" for a Date (a QDateTime arrives as one); "" for an invalid or missing one.
function clock(date) {
    if (!date || !(date instanceof Date) || isNaN(date.getTime()))
        return "";
    return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
}

// "850 ms", "12.4 s", "3 min 05 s"; "" for a negative (still running) duration.
function duration(ms) {
    if (ms === undefined || ms === null || ms < 0)
        return "";
    if (ms < 1000)
        return Math.round(ms) + " ms";
    var s = ms / 1000;
    if (s < 60)
        return s.toFixed(1) + " s";
    var m = Math.floor(s / 60);
    return m + " min " + pad(Math.floor(s - m * 60)) + " s";
}

// Milliseconds from `date` to `now` (both Dates), 0 when `date` is not valid.
function elapsed(date, now) {
    if (!date || !(date instanceof Date) || isNaN(date.getTime()))
        return 0;
    return Math.max(0, now.getTime() - date.getTime());
}

function bytes(n) {
    if (n === undefined || n < 0)
        return "";
    if (n < 1024)
        return n + " B";
    if (n < 1024 * 1024)
        return (n / 1024).toFixed(1) + " KiB";
    return (n / 1024 / 1024).toFixed(1) + " MiB";
}

// Relative-ish time for the session list: "14:03" today, "12 Mar" otherwise.
function when(date, now) {
    if (!date || !(date instanceof Date) || isNaN(date.getTime()))
        return "";
    if (date.toDateString() === now.toDateString())
        return pad(date.getHours()) + ":" + pad(date.getMinutes());
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return date.getDate() + " " + months[date.getMonth()] + (date.getFullYear() !== now.getFullYear() ? " " + date.getFullYear() : "");
}

// True when `text` looks like and parses as a JSON object or array (bounded: the preview is).
function parseJson(text) {
    if (typeof text !== "string" || text.length > 262144)
        return undefined;
    var t = text.trim();
    if (!(t.startsWith("{") && t.endsWith("}")) && !(t.startsWith("[") && t.endsWith("]")))
        return undefined;
    try {
        return JSON.parse(t);
    } catch (e) {
        return undefined;
    }
}
