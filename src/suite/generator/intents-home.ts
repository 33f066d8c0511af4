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
        'turn the lights {power} in the {room}'],
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
        'turn the {room} lights {color}', 'set the {room} lights to {color} at {pct}', 'change the {room} lights to {color}'],
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
        'set the heating to {temp} in {mode} mode', 'thermostat to {temp}, {mode} mode', 'put the AC on {mode} at {temp}'],
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
        'make sure to {verb} the {door}'],
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
        'can you turn {state} {setting}', 'please switch {state} {setting}'],
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
        'change the brightness of my screen to {pct}'],
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
      'make it {pct} volume'],
    eval: ['adjust the sound level to {pct}', 'I want the volume at {pct}'],
  },
  draw(_p, rng): Draw {
    const pct = rng.pick(PERCENTS);
    const text = rng.chance(0.3) ? percentSurface(pct, true) : rng.pick([`${pct}%`, `${pct} percent`, String(pct)]);
    return { slots: { pct: text }, args: { level: val(pct) } };
  },
});
