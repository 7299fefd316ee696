.pragma library

// What a user reads in an item's tree: the texts of the visible items, joined by newlines.
function visibleText(item) {
    var out = [];
    (function walk(it) {
        if (!it || !it.visible)
            return;
        if (typeof it.text === "string" && it.text !== "")
            out.push(it.text);
        var kids = it.children || [];
        var sawContent = false;
        for (var i = 0; i < kids.length; ++i) {
            sawContent = sawContent || kids[i] === it.contentItem;
            walk(kids[i]);
        }
        if (it.contentItem && !sawContent)
            walk(it.contentItem);
    })(item);
    return out.join("\n");
}

// The first item called `name`, visible or not.
function find(item, name) {
    if (!item)
        return null;
    if (item.objectName === name)
        return item;
    var kids = item.children || [];
    for (var i = 0; i < kids.length; ++i) {
        var f = find(kids[i], name);
        if (f)
            return f;
    }
    return item.contentItem ? find(item.contentItem, name) : null;
}

// The first visible item called `name` (what the user sees, not a hidden twin).
function findShown(item, name) {
    if (!item || !item.visible)
        return null;
    if (item.objectName === name)
        return item;
    var kids = item.children || [];
    for (var i = 0; i < kids.length; ++i) {
        var f = findShown(kids[i], name);
        if (f)
            return f;
    }
    return item.contentItem ? findShown(item.contentItem, name) : null;
}

// Every visible item called `name`.
function findAllShown(item, name) {
    var out = [];
    (function walk(it) {
        if (!it || !it.visible)
            return;
        if (it.objectName === name)
            out.push(it);
        var kids = it.children || [];
        for (var i = 0; i < kids.length; ++i)
            walk(kids[i]);
        if (it.contentItem)
            walk(it.contentItem);
    })(item);
    return out.filter((v, i, a) => a.indexOf(v) === i);
}

// The role values every step card requires, with `extra` over them.
function step(extra) {
    var p = {
        index: 0, kind: "", turnId: "t1", status: "done",
        startedAt: new Date(2026, 0, 5, 14, 3, 27), durationMs: 12400,
        expanded: false, matches: false, width: 600
    };
    for (var k in extra)
        p[k] = extra[k];
    return p;
}
