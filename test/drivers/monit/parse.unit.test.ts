/**
 * monit's status output across 5.x, as a table: summary text of 5.2 (lower-case words), 5.3-5.17 (capitalised),
 * 5.18 (tabular, old words), 5.21+ (batch and boxed TTY), `monit status` blocks, and both XML formats. The 5.33
 * samples were captured from the lab host image; the others follow the layouts in the reference notes.
 */
import { describe, expect, it } from 'vitest';
import { parseFullStatus, parseStatusXml, parseSummary, type MonitState } from '../../../src/drivers/monit/index.js';

type Row = [string, MonitState, string?];

const SUMMARY_CASES: [string, string, string | undefined, Row[]][] = [
  [
    '5.2.5',
    `The Monit daemon 5.2.5 uptime: 1d 22h 7m \n\nProcess 'nats'                      running\nProcess 'cloud_controller_ng'       not monitored\nProcess 'dea_next'                  Does not exist - restart pending\nSystem 'system_host1'               running\n`,
    '5.2.5',
    [['nats', 'running'], ['cloud_controller_ng', 'not-monitored'], ['dea_next', 'failing', 'Does not exist - restart pending'], ['system_host1', 'running']],
  ],
  [
    '5.6 capitalised, waiting and initializing',
    `The Monit daemon 5.6 uptime: 3m \n\nProcess 'uaa'                       Running\nProcess 'login'                     Initializing\nProcess 'hm9000'                    Waiting\nFilesystem 'rootfs'                 Accessible\nProgram 'check'                     Status ok\nRemote Host 'db'                    Online with all services\nProcess 'etcd'                      Execution failed\n`,
    '5.6',
    [['uaa', 'running'], ['login', 'initializing'], ['hm9000', 'initializing'], ['rootfs', 'running'], ['check', 'running'], ['db', 'running'], ['etcd', 'failing']],
  ],
  [
    '5.18 tabular with old words',
    `Monit uptime: 2m\n Service Name                     Status                      Type          \n nats                             Running                     Process       \n gorouter                         Not running                 Process       \n`,
    undefined,
    [['nats', 'running'], ['gorouter', 'failing']],
  ],
  [
    '5.26 batch',
    `Monit 5.26.0 uptime: 3h 4m\n Service Name                     Status                      Type          \n host1                            OK                          System        \n nats                             OK                          Process       \n cloud_controller_ng              Not monitored               Process       \n dea_next                         Does not exist              Process       \n`,
    '5.26.0',
    [['host1', 'running'], ['nats', 'running'], ['cloud_controller_ng', 'not-monitored'], ['dea_next', 'failing']],
  ],
  [
    '5.33 batch captured, truncated pending action',
    `Monit 5.33.0 uptime: 0m\n Service Name                     Status                      Type          \n 33a7b1961db8                     OK                          System        \n nats                             Data access error - res...  Process       \n uaa                              Connection failed | Res...  Process       \n`,
    '5.33.0',
    [['33a7b1961db8', 'running'], ['nats', 'failing'], ['uaa', 'failing']],
  ],
  [
    '5.26 boxed TTY with colours',
    `Monit 5.26.0 uptime: 3h 4m\n┌─────────────────────────────────┬────────────────────────────┬───────────────┐\n│ Service Name                    │ Status                     │ Type          │\n├─────────────────────────────────┼────────────────────────────┼───────────────┤\n│ nats                            │ \x1b[0;32mOK\x1b[0m                         │ Process       │\n├─────────────────────────────────┼────────────────────────────┼───────────────┤\n│ dea_next                        │ \x1b[0;31mDoes not exist\x1b[0m             │ Process       │\n└─────────────────────────────────┴────────────────────────────┴───────────────┘\n`,
    '5.26.0',
    [['nats', 'running'], ['dea_next', 'failing']],
  ],
];

describe('monit summary text', () => {
  it.each(SUMMARY_CASES)('%s', (_name, text, version, rows) => {
    const s = parseSummary(text);
    expect(s.version).toBe(version);
    expect(s.services.map((x) => [x.name, x.state])).toEqual(rows.map(([n, st]) => [n, st]));
    for (const [n, , detail] of rows) if (detail) expect(s.services.find((x) => x.name === n)?.detail).toBe(detail);
  });

  it('finds nothing in an error message', () => {
    expect(parseSummary('monit: cannot read status from the monit daemon\n').services).toEqual([]);
  });
});

describe('monit status blocks', () => {
  it.each([
    [
      '5.2 layout',
      `The Monit daemon 5.2.5 uptime: 1m \n\nProcess 'nats'\n  status                            running\n  monitoring status                 monitored\n  pid                               412\n  cpu percent total                 0.3%\n  memory kilobytes total            10240\n\nProcess 'uaa'\n  status                            not monitored\n  monitoring status                 not monitored\n`,
      [['nats', 'running', 412], ['uaa', 'not-monitored', undefined]],
    ],
    [
      '5.33 captured',
      `Monit 5.33.0 uptime: 0m\n\nProcess 'nats'\n  status                       OK\n  monitoring status            Monitored\n  monitoring mode              passive\n  on reboot                    start\n  pid                          58\n  memory total                 9.4 MB [0.0%]\n\nProcess 'gorouter'\n  status                       Does not exist\n  monitoring status            Monitored\n`,
      [['nats', 'running', 58], ['gorouter', 'failing', undefined]],
    ],
  ] as const)('%s', (_n, text, rows) => {
    const s = parseFullStatus(text);
    expect(s.services.map((x) => [x.name, x.state, x.pid])).toEqual(rows.map((r) => [...r]));
  });
});

const XML_V1 = `<?xml version="1.0" encoding="ISO-8859-1"?><monit><server><id>54eb</id><incarnation>1795317419</incarnation><version>5.33.0</version><uptime>15</uptime><poll>1</poll><localhostname>33a7b1961db8</localhostname></server><platform><name>Linux</name><cpu>2</cpu><memory>24684084</memory></platform><service type="3"><name>nats</name><status>2048</status><status_hint>0</status_hint><monitor>1</monitor><monitormode>1</monitormode><pendingaction>3</pendingaction></service><service type="3"><name>uaa</name><status>0</status><monitor>1</monitor><pendingaction>0</pendingaction><pid>77</pid><memory><percent>0.0</percent><percenttotal>0.1</percenttotal><kilobyte>9000</kilobyte><kilobytetotal>9000</kilobytetotal></memory><cpu><percent>0.2</percent><percenttotal>0.4</percenttotal></cpu></service><service type="3"><name>login</name><status>0</status><monitor>0</monitor><pendingaction>0</pendingaction></service><service type="3"><name>etcd</name><status>0</status><monitor>2</monitor><pendingaction>0</pendingaction></service><service type="5"><name>33a7b1961db8</name><status>0</status><monitor>1</monitor><pendingaction>0</pendingaction><system><load><avg01>2.1</avg01></load><cpu><user>80.0</user><system>20.0</system><wait>0.0</wait></cpu><memory><percent>6.7</percent><kilobyte>1650596</kilobyte></memory></system></service></monit>`;

const XML_V2 = `<?xml version="1.0" encoding="ISO-8859-1"?><monit id="abc" incarnation="1" version="5.20.0"><server><uptime>9</uptime></server><services><service name="nats"><type>3</type><status>512</status><monitor>1</monitor><pendingaction>2</pendingaction></service><service name="a&amp;b"><type>7</type><status>0</status><monitor>1</monitor></service></services><servicegroups></servicegroups></monit>`;

describe('monit XML', () => {
  it('reads v1 (captured from 5.33): states, pending actions, pid and usage', () => {
    const s = parseStatusXml(XML_V1);
    expect(s.version).toBe('5.33.0');
    expect(s.services.map((x) => [x.name, x.type, x.state, x.detail])).toEqual([
      ['nats', 'Process', 'failing', 'Data access error - stop pending'],
      ['uaa', 'Process', 'running', 'OK'],
      ['login', 'Process', 'not-monitored', 'Not monitored'],
      ['etcd', 'Process', 'initializing', 'Initializing'],
      ['33a7b1961db8', 'System', 'running', 'OK'],
    ]);
    expect(s.services[1]).toMatchObject({ pid: 77, cpuPercent: 0.4, memoryPercent: 0.1 });
    expect(s.system).toEqual({ cpuPercent: 100, memoryPercent: 6.7 });
  });

  it('reads v2 (_status2): name attributes, entity decoding', () => {
    const s = parseStatusXml(XML_V2);
    expect(s.version).toBe('5.20.0');
    expect(s.services.map((x) => [x.name, x.type, x.state, x.detail])).toEqual([
      ['nats', 'Process', 'failing', 'Does not exist - restart pending'],
      ['a&b', 'Program', 'running', 'OK'],
    ]);
  });

  it('refuses what is not a monit document', () => {
    expect(() => parseStatusXml('<html>login</html>')).toThrow(/not a monit status document/);
  });
});
