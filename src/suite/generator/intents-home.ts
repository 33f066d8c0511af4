// Smart home (lights, thermostat, locks) and device settings intents.
import { dflt, val, type Draw, type Intent } from './intent.ts';
import { countSurface, numberWords } from './surface.ts';

const PERCENTS = [10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90, 100, 5, 15, 35, 45, 55, 65, 85, 95];

function percentSurface(n: number, words: boolean): string {
  return words && n <= 99 ? `${numberWords(n)} percent` : rngFree(n);
}
const rngFree = (n: number) => `${n}%`;

export const HOME_INTENTS: Intent[] = [
  {
    id: 'lights.power', tool: 'smartHome.setLights',
    templates: {
      train: ['turn {power} the lights in the {room}', 'switch {power} the {room} lights', '{room} lights {power}',
        'lights {power} in the {room}', 'can you turn the {room} lights {power}', 'put the {room} lights {power}',
        'turn the lights {power} in the {room}', 'switch the lights {power} in the {room}',
        'turn {power} all the lights in the {room}', 'power {power} the {room} lights', 'get the {room} lights {power}',
        'lights in the {room} {power}', 'the {room} lights need to go {power}',
        "I'd like the {room} lights switched {power}", 'switch {power} every light in the {room}',
        'the lights in the {room}, turn them {power}', '{room}: lights {power}', 'turn {power} the {room} lamps',
        'is it possible to turn the {room} lights {power}', 'switch {power} the lights over in the {room}',
        'could the lights in the {room} be switched {power}'],
      eval: ['flip the {room} lights {power}', 'I want the lights {power} in the {room}'],
    },
    draw(p, rng): Draw {
      const room = p.room();
      const power = rng.pick(['on', 'off']);
      return { slots: { power, room }, args: { room: val(room), power: val(power) } };
    },
  },
  {
    id: 'lights.dim', tool: 'smartHome.setLights',
    templates: {
      train: ['set the {room} lights to {pct}', 'dim the {room} lights to {pct}', 'turn on the {room} lights at {pct}',
        '{room} lights at {pct} brightness', 'brightness {pct} in the {room}', 'make the {room} lights {color}',
        'turn the {room} lights {color}', 'set the {room} lights to {color} at {pct}', 'change the {room} lights to {color}',
        'dim the lights in the {room} to {pct}', 'brighten the {room} lights to {pct}',
        'put the {room} lights at {pct}', 'turn the {room} lights up to {pct}', 'turn the {room} lights down to {pct}',
        "it's too dark in the {room}, lights to {pct}", "it's too bright in the {room}, dim the lights to {pct}",
        '{pct} brightness for the {room} lights', "I'd like the {room} lights at {pct}",
        'raise the brightness of the {room} lights to {pct}', 'set the {room} lights to {color}',
        'switch the {room} lights to {color}', '{room} lights {color}',
        'change the colour of the {room} lights to {color}', 'make the lights in the {room} {color}',
        '{color} for the {room} lights', 'the {room} lights should be {color}', 'light up the {room} in {color}',
        'make the {room} lights {color} at {pct}', 'turn the {room} lights {color} and set them to {pct}',
        '{room} lights {color}, {pct} brightness', 'set the {room} lights to {pct} brightness in {color}',
        'change the {room} lights to {color} with brightness {pct}',
        'dim the {room} lights to {pct} and make them {color}', 'turn on the {room} lights in {color} at {pct}',
        "I'd like the {room} lights {color} at {pct}"],
      eval: ['bring the {room} lighting to {pct}', 'I want {color} light in the {room}',
        'paint the {room} {color} with the lights, {pct} bright'],
    },
    draw(p, rng): Draw {
      const room = p.room();
      const r = rng.next();
      const pct = rng.pick(PERCENTS);
      const pctText = rng.chance(0.3) ? percentSurface(pct, true) : `${pct}%`.replace('%', rng.chance(0.5) ? '%' : ' percent');
      const color = p.color();
      if (r < 0.45) return { slots: { room, pct: pctText }, args: { room: val(room), power: val('on'), brightness: val(pct) } };
      if (r < 0.8) return { slots: { room, color }, args: { room: val(room), power: val('on'), color: val(color) } };
      return { slots: { room, color, pct: pctText }, args: { room: val(room), power: val('on'), color: val(color), brightness: val(pct) } };
    },
  },
  {
    id: 'thermostat.set', tool: 'set_thermostat',
    templates: {
      train: ['set the thermostat to {temp}', 'make it {temp} in here', 'heat the house to {temp}',
        'change the temperature to {temp}', 'thermostat {temp}', 'set the {room} to {temp}', 'set the {room} thermostat to {temp}',
        'set the heating to {temp} in {mode} mode', 'thermostat to {temp}, {mode} mode', 'put the AC on {mode} at {temp}',
        'set the temperature to {temp}', 'turn the thermostat to {temp}', 'put the thermostat on {temp}',
        'keep the house at {temp}', '{temp} on the thermostat', 'bump the temperature up to {temp}',
        'the thermostat should be at {temp}', 'set the house temperature to {temp}',
        "I'd like the temperature set to {temp}", 'set the temperature in the {room} to {temp}',
        'make the {room} {temp}', '{room} thermostat to {temp}', 'change the {room} temperature to {temp}',
        'keep the {room} at {temp}', 'put the {room} thermostat on {temp}',
        'set the thermostat to {mode} mode at {temp}', '{mode} mode at {temp}', 'thermostat on {mode}, {temp}',
        'switch the thermostat to {mode} and set it to {temp}', 'put the thermostat in {mode} mode and make it {temp}',
        'change the thermostat to {temp} using {mode} mode', '{temp} in {mode} mode'],
      eval: ['I would like it to be {temp} at home', 'warm the {room} up to {temp}', 'run {mode} mode, target {temp}'],
    },
    draw(p, rng): Draw {
      const t = rng.chance(0.25) ? rng.int(36, 52) / 2 : rng.int(16, 27);
      const isInt = Number.isInteger(t);
      const temp = isInt ? rng.pick([`${t} degrees`, `${countSurface(rng, t)} degrees`, `${t}°`]) : `${t} degrees`;
      const r = rng.next();
      const base = { temperature: val(t) };
      if (r < 0.25) {
        const room = p.room();
        return { slots: { temp, room }, args: { ...base, room: val(room), mode: dflt('auto') } };
      }
      if (r < 0.5) {
        const mode = rng.pick(['heat', 'cool', 'auto']);
        return { slots: { temp, mode }, args: { ...base, mode: val(mode) } };
      }
      return { slots: { temp }, args: { ...base, mode: dflt('auto') } };
    },
  },
  {
    id: 'lock.set', tool: 'smartHome.lock',
    templates: {
      train: ['{verb} the {door}', 'please {verb} the {door}', 'can you {verb} the {door}', '{verb} my {door}',
        'make sure to {verb} the {door}', "don't forget to {verb} the {door}", 'time to {verb} the {door}',
        'use the smart lock to {verb} the {door}', '{verb} the {door} remotely', 'quickly {verb} the {door}',
        'help me {verb} the {door}', '{door}, {verb} it', "I'd like to {verb} the {door}", "let's {verb} the {door}",
        '{verb} our {door}', 'is it possible to {verb} the {door}', '{verb} the {door} from here'],
      eval: ['go ahead and {verb} the {door} now', 'I need the {door} to be {verb}ed'],
    },
    draw(p, rng): Draw {
      const door = p.door();
      const verb = rng.pick(['lock', 'unlock']);
      return { slots: { verb, door }, args: { door: val(door), locked: val(verb === 'lock') } };
    },
  },
  {
    id: 'device.toggle', tool: 'device.toggleSetting',
    templates: {
      train: ['turn {state} {setting}', 'switch {setting} {state}', '{setting} {state}', 'turn {setting} {state}',
        'can you turn {state} {setting}', 'please switch {state} {setting}', 'switch {state} {setting}',
        'put {setting} {state}', 'toggle {setting} {state}', "I'd like {setting} turned {state}",
        'can {setting} be switched {state}', 'turn {state} {setting} on my phone',
        'on my phone, switch {setting} {state}', '{setting} needs to be {state}', 'make sure {setting} is {state}',
        'switch {state} {setting} on the phone', '{setting}: {state}', 'quickly switch {setting} {state}',
        'is it possible to turn {state} {setting}', 'toggle {state} {setting}',
        'go into settings and turn {setting} {state}'],
      eval: ['set {setting} to {state}', 'I want {setting} {state} now'],
    },
    draw(_p, rng): Draw {
      const [setting, said] = rng.pick<[string, string[]]>([
        ['wifi', ['wifi', 'Wi-Fi', 'the wifi']], ['bluetooth', ['bluetooth', 'Bluetooth']],
        ['airplane_mode', ['airplane mode', 'flight mode']], ['do_not_disturb', ['do not disturb', 'DND']],
        ['flashlight', ['the flashlight', 'the torch']], ['dark_mode', ['dark mode']], ['location', ['location services', 'GPS']],
      ]);
      const on = rng.chance(0.5);
      return { slots: { setting: rng.pick(said), state: on ? 'on' : 'off' }, args: { setting: val(setting), enabled: val(on) } };
    },
  },
  {
    id: 'device.brightness', tool: 'setBrightness',
    templates: {
      train: ['set screen brightness to {pct}', 'make the screen {pct} bright', 'display brightness {pct}',
        'change the brightness of my screen to {pct}', 'screen brightness {pct}', 'turn the screen brightness to {pct}',
        'put my display at {pct} brightness', 'change the display brightness to {pct}',
        "I'd like my screen brightness set to {pct}", 'bump the screen brightness up to {pct}',
        'lower the screen brightness to {pct}', 'raise the display brightness to {pct}',
        'turn the brightness on my phone up to {pct}', '{pct} screen brightness',
        'my screen is too bright, set it to {pct}', "the screen's too dark, make it {pct}"],
      eval: ['dim my phone screen to {pct}', 'screen at {pct} please'],
    },
    draw(_p, rng): Draw {
      const pct = rng.pick(PERCENTS);
      const text = rng.chance(0.3) ? percentSurface(pct, true) : `${pct}%`;
      return { slots: { pct: text }, args: { level: val(pct) } };
    },
  },
];

// Volume lives with media but reads like a device setting.
HOME_INTENTS.push({
  id: 'media.volume', tool: 'media.setVolume',
  templates: {
    train: ['set the volume to {pct}', 'volume {pct}', 'turn the volume to {pct}', 'change volume to {pct}',
      'make it {pct} volume', 'turn the volume up to {pct}', 'turn the volume down to {pct}', 'put the volume on {pct}',
      'volume to {pct}', 'set the media volume to {pct}', 'lower the volume to {pct}', 'raise the volume to {pct}',
      'crank the volume up to {pct}', '{pct} volume', "it's too loud, turn it down to {pct}",
      "I can't hear anything, turn the volume up to {pct}", "I'd like to change the volume to {pct}",
      'the volume should be {pct}', 'music volume to {pct}'],
    eval: ['adjust the sound level to {pct}', 'I want the volume at {pct}'],
  },
  draw(_p, rng): Draw {
    const pct = rng.pick(PERCENTS);
    const text = rng.chance(0.3) ? percentSurface(pct, true) : rng.pick([`${pct}%`, `${pct} percent`, String(pct)]);
    return { slots: { pct: text }, args: { level: val(pct) } };
  },
});
