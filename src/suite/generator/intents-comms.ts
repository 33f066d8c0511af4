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
        'on {app}, tell {who} that {msg}'],
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
        'please phone {num}'],
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
        'speakerphone call to {who}'],
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
        'call {who} on video'],
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
        'send {addr} an email, subject: {subject}, message: {body}'],
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
        'create a contact for {name}: {num}', "add {name}'s number {num} to my contacts", 'new contact {name} {num}'],
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
      'video chat {who}, camera off'],
    eval: ['open a video chat to {who} without my camera'],
  },
  draw(p, rng): Draw {
    const who = contact(p, rng);
    return { slots: { who }, args: { contact: val(...contactValues(who)), cameraOn: val(false) } };
  },
});
