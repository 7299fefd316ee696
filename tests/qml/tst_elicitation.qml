import QtQuick
import QtQuick.Controls
import QtTest
import McpHost.Views
import "Helpers.js" as H

// The elicitation card over the real ElicitationForm: each field type gets its editor with
// the schema's default shown, Send with a missing or bad value shows the field's error and
// sends nothing, a filled form sends the typed content; URL mode opens nothing before consent.
Item {
    id: root
    width: 700
    height: 1400

    Component { id: cardComponent; ElicitationCard {} }
    Component { id: spyComponent; SignalSpy {} }

    readonly property var schema: ({
        type: "object",
        required: ["name", "age"],
        properties: {
            name: { type: "string", title: "Name", description: "How we greet you", minLength: 2 },
            email: { type: "string", title: "E-mail", format: "email" },
            age: { type: "integer", title: "Age", minimum: 0, maximum: 150, default: 30 },
            ratio: { type: "number", title: "Ratio" },
            subscribe: { type: "boolean", title: "Subscribe", default: true },
            colour: { type: "string", title: "Colour", enum: ["red", "green"], enumNames: ["Red", "Green"], default: "green" },
            tags: { type: "array", title: "Tags", items: { type: "string", enum: ["a", "b", "c"] } }
        }
    })

    // The order the server wrote the properties in (the event's property_order).
    readonly property var order: ["name", "email", "age", "ratio", "subscribe", "colour", "tags"]

    function fieldOf(card, title) {
        var labels = H.findAllShown(card, "fieldLabel").concat(H.findAllShown(card, "boolEditor"));
        for (var i = 0; i < labels.length; ++i) {
            if (labels[i].text.replace(" *", "") === title)
                return labels[i].parent;
        }
        return null;
    }

    TestCase {
        name: "Elicitation"
        when: windowShown

        function make(extra) {
            var p = { kind: "elicitation", status: "waiting", durationMs: -1, startedAt: new Date(), requestId: "eli-1",
                      server: "fixture", message: "Tell me about you", schema: root.schema, url: "", urlHost: "",
                      propertyOrder: root.order,
                      deadline: new Date(NaN) };
            for (var k in extra)
                p[k] = extra[k];
            var c = createTemporaryObject(cardComponent, root, H.step(p));
            verify(c);
            waitForRendering(c);
            return c;
        }

        function test_every_field_type_with_defaults() {
            var c = make({});
            var t = H.visibleText(c);
            verify(t.indexOf("Tell me about you") >= 0, t);
            verify(t.indexOf("Name *") >= 0, "required marked: " + t);
            verify(t.indexOf("How we greet you") >= 0, t);
            verify(H.findShown(fieldOf(c, "Name"), "textEditor"));
            compare(H.findShown(fieldOf(c, "E-mail"), "textEditor").placeholderText, "name@example.com");
            var age = H.findShown(fieldOf(c, "Age"), "spinEditor");
            verify(age, "a bounded integer is a spin box");
            compare(age.value, 30);
            compare(age.to, 150);
            verify(H.findShown(fieldOf(c, "Ratio"), "textEditor"), "an unbounded number is a text field");
            var sub = H.findShown(c, "boolEditor");
            verify(sub.checked, "the default true is shown");
            compare(H.findShown(fieldOf(c, "Colour"), "enumEditor").displayText, "Green");
            compare(H.findShown(fieldOf(c, "Tags"), "multiEditor").children.length >= 3, true);
        }

        function test_fields_in_the_servers_order() {
            var titles = H.findAllShown(make({}), "fieldLabel").map(l => l.text.replace(" *", ""));
            compare(titles.join(","), "Name,E-mail,Age,Ratio,Colour,Tags", "the schema's order, not by name");
            var byName = H.findAllShown(make({ propertyOrder: [] }), "fieldLabel").map(l => l.text.replace(" *", ""));
            compare(byName.join(","), "Age,Colour,E-mail,Name,Ratio,Tags", "no order given: by name");
        }

        function test_validation_messages_and_nothing_sent() {
            var c = make({});
            var spy = createTemporaryObject(spyComponent, root, { target: c, signalName: "answerElicitation" });
            compare(H.findAllShown(c, "fieldError").length, 0, "no errors before Send");
            mouseClick(H.findShown(c, "acceptElicitation"));
            compare(spy.count, 0);
            var errors = H.findAllShown(c, "fieldError");
            verify(errors.length >= 1, "the missing name is named");
            var nameField = fieldOf(c, "Name");
            verify(H.findShown(nameField, "fieldError").text !== "");
            var ratio = H.findShown(fieldOf(c, "Ratio"), "textEditor");
            ratio.forceActiveFocus();
            keySequence("a");
            verify(H.findShown(fieldOf(c, "Ratio"), "fieldError").text.indexOf("Not a number") >= 0);
        }

        function test_accept_emits_typed_content() {
            var c = make({});
            var spy = createTemporaryObject(spyComponent, root, { target: c, signalName: "answerElicitation" });
            H.findShown(fieldOf(c, "Name"), "textEditor").forceActiveFocus();
            keySequence("a");
            keySequence("d");
            keySequence("a");
            H.findShown(fieldOf(c, "Ratio"), "textEditor").forceActiveFocus();
            keySequence("1");
            keySequence(".");
            keySequence("5");
            var age = H.findShown(fieldOf(c, "Age"), "spinEditor");
            age.forceActiveFocus();
            keyClick(Qt.Key_Up);
            mouseClick(H.findShown(c, "boolEditor"));
            var boxes = H.findShown(fieldOf(c, "Tags"), "multiEditor").children;
            for (var i = 0; i < boxes.length; ++i) {
                if (boxes[i].text === "a" || boxes[i].text === "c")
                    mouseClick(boxes[i]);
            }
            mouseClick(H.findShown(c, "acceptElicitation"));
            compare(spy.count, 1, H.findAllShown(c, "fieldError").map(e => e.text).join("; "));
            compare(spy.signalArguments[0][0], "eli-1");
            compare(spy.signalArguments[0][1], "accept");
            var content = spy.signalArguments[0][2];
            compare(content.name, "ada");
            compare(content.age, 31);
            compare(typeof content.age, "number");
            compare(content.ratio, 1.5);
            compare(content.subscribe, false);
            compare(content.colour, "green");
            compare(content.tags.length, 2);
            verify(content.email === undefined, "an unanswered optional field is left out");
        }

        function test_decline_and_cancel() {
            var c = make({});
            var spy = createTemporaryObject(spyComponent, root, { target: c, signalName: "answerElicitation" });
            mouseClick(H.findShown(c, "declineElicitation"));
            mouseClick(H.findShown(c, "cancelElicitation"));
            compare(spy.signalArguments[0][1], "decline");
            compare(spy.signalArguments[1][1], "cancel");
        }

        function test_url_mode_needs_consent() {
            var c = make({ schema: ({}), url: "https://auth.example.com/device?code=XYZ", urlHost: "auth.example.com" });
            var t = H.visibleText(c);
            verify(t.indexOf("https://auth.example.com/device?code=XYZ") >= 0, t);
            verify(t.indexOf("Domain: auth.example.com") >= 0, t);
            verify(!H.findShown(c, "openUrl").enabled, "nothing opens before consent");
            verify(!H.findShown(c, "acceptElicitation").enabled);
            mouseClick(H.findShown(c, "urlConsent"));
            verify(H.findShown(c, "openUrl").enabled);
            verify(H.findShown(c, "acceptElicitation").enabled);
        }

        function test_answered_card_has_no_buttons() {
            var c = make({ status: "done", durationMs: 1200 });
            compare(H.findShown(c, "acceptElicitation"), null);
            verify(H.visibleText(c).indexOf("Answered") >= 0);
        }
    }
}
