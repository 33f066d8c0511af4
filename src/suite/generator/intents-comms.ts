// Messaging, calls, email and contacts intents.
import { dflt, val, type Draw, type Intent } from './intent.ts';
import type { Pools } from './pools.ts';
import type { Rng } from './prng.ts';

const APPS = ['whatsapp', 'signal', 'telegram'] as const;
const APP_NAMES: Record<string, string> = { whatsapp: 'WhatsApp', signal: 'Signal', telegram: 'Telegram' };

function contact(p: Pools, rng: Rng): string {
  return rng.chance(0.85) ? p.firstName() : p.relation();
}

/** "my sister" is also acceptable as "sister". */
function contactValues(name: string): string[] {
  return name.startsWith('my ') ? [name, name.slice(3)] : [name];
}

export const COMMS_INTENTS: Intent[] = [
  {
    id: 'message.send', tool: 'send_message',
    templates: {
      train: ['text {who} saying {msg}', 'send a message to {who}: {msg}', 'tell {who} that {msg}', 'message {who} {msg}',
        'send {who} a text that says {msg}', 'shoot {who} a message: {msg}', 'text {who} "{msg}"',
        'send "{msg}" to {who}',
        'send a {app} message to {who} saying {msg}', 'message {who} on {app}: {msg}', 'use {app} to tell {who} {msg}',
        'on {app}, tell {who} that {msg}',
        'send {who} a message saying {msg}', 'text {who}: {msg}', 'send a text to {who} saying {msg}',
        'text {who} to say {msg}', 'I need to text {who}: {msg}', "I'd like to send {who} a message: {msg}",
        'message {who} saying "{msg}"', 'send an SMS to {who}: {msg}', 'send this to {who}: {msg}',
        '"{msg}" - text that to {who}', 'text the message "{msg}" to {who}', 'send {who} the following message: {msg}',
        'compose a text to {who} that says {msg}', 'get a message to {who} saying {msg}', 'text this to {who}: {msg}',
        'send a quick text to {who}: {msg}', 'reply to {who} with "{msg}"', 'pass this on to {who} by text: {msg}',
        'send {who} a {app} message: {msg}', '{app} {who}: {msg}', 'text {who} on {app} saying {msg}',
        'on {app}, message {who} "{msg}"', 'use {app} to send {who} the message {msg}',
        'send {who} a {app} saying {msg}', 'open {app} and message {who}: {msg}',
        'message {who} using {app} and say {msg}', 'over {app}, send {who} "{msg}"',
        'send "{msg}" to {who} on {app}', '{app} message to {who}: {msg}'],
      eval: ['let {who} know {msg}', 'drop {who} a note saying {msg}', 'ping {who} on {app} with "{msg}"',
        'write to {who} via {app}: {msg}'],
    },
    draw(p, rng): Draw {
      const who = contact(p, rng);
      const msg = p.message();
      const args = { recipient: val(...contactValues(who)), message: val(msg), app: dflt('sms') };
      if (rng.chance(0.3)) {
        const app = rng.pick(APPS);
        return { slots: { who, msg, app: APP_NAMES[app] }, args: { ...args, app: val(app) } };
      }
      return { slots: { who, msg }, args };
    },
  },
  {
    id: 'call.phone', tool: 'phone.call',
    templates: {
      train: ['call {who}', 'phone {who}', 'ring {who}', 'give {who} a call', 'dial {who}', 'dial {num}', 'call {num}',
        'please phone {num}',
        'phone up {who}', 'ring up {who}', 'give {who} a ring', 'give {who} a buzz', 'start a call with {who}',
        'I need to call {who}', "I'd like to call {who}", 'connect me to {who}', "call {who}'s mobile",
        "dial {who}'s number", "call {who}'s cell", 'try calling {who}',
        'call this number: {num}', 'dial the number {num}', 'ring {num}', 'phone the number {num}', 'give {num} a call',
        'I need to call {num}', 'connect me to {num}', 'start a call to {num}', 'punch in {num} and call it',
        '{num}, call that number'],
      eval: ['get {who} on the phone', 'can I speak to {who}, make the call', 'place a call to {num}'],
    },
    draw(p, rng): Draw {
      const r = rng.next();
      if (r < 0.15) {
        const num = p.phoneNumber();
        return { slots: { num }, args: { contact: val(num), speakerphone: dflt(false) } };
      }
      const who = contact(p, rng);
      const base = { contact: val(...contactValues(who)) };
      return { slots: { who }, args: { ...base, speakerphone: dflt(false) } };
    },
  },
  {
    id: 'call.speaker', tool: 'phone.call',
    templates: {
      train: ['call {who} on speaker', 'call {who} with the speakerphone on', 'put {who} on speaker and call',
        'speakerphone call to {who}',
        'phone {who} on speakerphone', 'call {who} and put it on speaker', 'speaker call {who}',
        'dial {who} on speaker mode', 'give {who} a call on speaker', 'call {who}, speaker on',
        "I'd like to call {who} on speaker", 'start a call with {who} using the loudspeaker', 'on speaker, call {who}',
        'call {who} with speaker mode turned on', 'phone {who} and switch to speaker', 'call {who} on loudspeaker'],
      eval: ['ring {who} hands-free on speaker'],
    },
    draw(p, rng): Draw {
      const who = contact(p, rng);
      return { slots: { who }, args: { contact: val(...contactValues(who)), speakerphone: val(true) } };
    },
  },
  {
    id: 'call.video', tool: 'startVideoCall',
    templates: {
      train: ['video call {who}', 'start a video call with {who}', 'facetime {who}', 'video chat with {who}',
        'call {who} on video',
        'facetime with {who}', 'set up a video call with {who}', 'do a video call with {who}',
        'start video chatting with {who}', "I'd like to video chat with {who}", 'I need to video call {who}',
        'launch a video call to {who}', 'call {who} with video', 'call {who} over video', 'give {who} a video call',
        'have a video call with {who}', 'start a facetime with {who}', 'connect me with {who} on video',
        'video call {who} with the camera on'],
      eval: ['I want to see {who}, start a video call', 'hop on a video call with {who}'],
    },
    draw(p, rng): Draw {
      const who = contact(p, rng);
      const base = { contact: val(...contactValues(who)) };
      return { slots: { who }, args: { ...base, cameraOn: dflt(true) } };
    },
  },
  {
    id: 'email.send', tool: 'email.send',
    templates: {
      train: ['email {addr} with subject {subject} saying {body}', 'send an email to {addr}, subject {subject}, body {body}',
        'write an email to {addr} titled {subject}: {body}', 'email {addr} about {subject} and say {body}',
        'compose a mail to {addr} with the subject "{subject}" and the text "{body}"',
        'send {addr} an email, subject: {subject}, message: {body}',
        'send an email to {addr} with the subject {subject} that says {body}',
        'email {addr}, subject line "{subject}", message "{body}"',
        'shoot an email to {addr} with subject {subject}: {body}',
        'I need to email {addr} about {subject}, tell them {body}',
        'draft and send an email to {addr}, subject {subject}, saying {body}',
        'send {addr} a mail titled "{subject}" saying "{body}"', 'email {addr}: subject {subject}, body {body}',
        'new email to {addr}, subject "{subject}", text: {body}',
        'put together an email for {addr} with the subject {subject} saying {body}',
        'send an e-mail to {addr} with {subject} as the subject and {body} as the body',
        'email {addr} the message "{body}" with the subject {subject}',
        'with the subject {subject}, email {addr} saying {body}',
        "I'd like to send an email to {addr}. Subject: {subject}. Body: {body}",
        'send an email titled {subject} to {addr} that says {body}'],
      eval: ['mail {addr} re {subject}: {body}', 'fire off an email to {addr} headed {subject} that reads {body}'],
    },
    draw(p, rng): Draw {
      const name = p.firstName();
      const addr = p.emailOf(rng.chance(0.5) ? name : `${name} ${p.firstName()}`);
      const subject = p.subject();
      const body = p.message();
      return { slots: { addr, subject, body }, args: { to: val(addr), subject: val(subject), body: val(body) } };
    },
  },
  {
    id: 'contact.add', tool: 'contacts.add',
    templates: {
      train: ['save {name} as a contact with number {num}', 'add a contact {name}, phone {num}',
        'create a contact for {name}: {num}', "add {name}'s number {num} to my contacts", 'new contact {name} {num}',
        'add {name} to my contacts with the number {num}', 'save {num} in my contacts as {name}',
        'create a new contact: {name}, {num}', "{name}'s number is {num}, save it",
        'make a contact for {name} with phone number {num}', 'add {num} to my contacts as {name}',
        "save {name}'s phone number, it's {num}", 'add {name} as a new contact, their number is {num}',
        "I'd like to save {name}'s number: {num}", 'add a new contact called {name} with the number {num}',
        'create a contact named {name} with mobile number {num}',
        '{num} is the number for {name}, add it to my contacts',
        'add contact: {name}, {num}', 'save a contact for {name} with the cell number {num}'],
      eval: ['store {num} under the name {name}', 'put {name} in my phonebook, number {num}'],
    },
    draw(p): Draw {
      const name = p.firstName();
      const num = p.phoneNumber();
      return { slots: { name, num }, args: { name: val(name), phone: val(num), favorite: dflt(false) } };
    },
  },
];

// Variants with the camera flag said explicitly.
COMMS_INTENTS.push({
  id: 'call.video.cameraoff', tool: 'startVideoCall',
  templates: {
    train: ['video call {who} with my camera off', 'start a video call with {who} but keep the camera off',
      'video chat {who}, camera off',
      'video call {who} but turn my camera off', 'start a video call with {who} with the camera disabled',
      'facetime {who} with my camera turned off', 'video call {who}, no camera',
      'call {who} on video with my camera switched off',
      'start a video chat with {who}, keep my camera off', "I'd like a video call with {who} but with my camera off",
      "video call {who} and don't turn my camera on", 'set up a video call with {who}, camera disabled',
      'give {who} a video call with my camera off', 'camera off, video call {who}',
      'with my camera off, start a video call with {who}', 'do a video call with {who}, camera off'],
    eval: ['open a video chat to {who} without my camera'],
  },
  draw(p, rng): Draw {
    const who = contact(p, rng);
    return { slots: { who }, args: { contact: val(...contactValues(who)), cameraOn: val(false) } };
  },
});
