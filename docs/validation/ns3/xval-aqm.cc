// Cross-validation program for netsim's queue disciplines (copied into ns-3's scratch/):
// the set-up of netsim's scenarios/library/bufferbloat.json.
//
//   a --1Gbps/1ms-- r1 --10Mbps/10ms-- r2 --1Gbps/1ms-- b
//   c --1Gbps/1ms-/                     \-1Gbps/1ms-- d
//
// One bulk TCP NewReno upload of --maxBytes (25 MB) from a to b, started at 0 s, and c
// "pinging" d every 100 ms (250 echoes): a UdpEchoClient whose 56 data bytes make an 84-byte IP
// packet, the size of netsim's 84-byte ICMP echo (20 IP + 8 ICMP + 56), echoed by a
// UdpEchoServer on d. The run lasts --duration (30 s).
//
// The bottleneck r1 -> r2 (and r2 -> r1, as netsim's `discipline` applies to both directions of
// the link) runs --qdisc: pfifo (drop-tail, --limit packets), red, codel, fq_codel or pie,
// installed with TrafficControlHelper with MaxSize = --limit packets (1000) and the parameters
// named below, matched to netsim's defaults (sim-core/src/qdisc/*.rs). The point-to-point
// device queue under the queue disc holds --devQueue packets (1): the queue disc is the
// queue (flow control stops it while the device queue is full); the device adds at most one
// waiting packet (1.2 ms at 10 Mbps) to the one in transmission. Every other link has no queue
// disc and a 1000-packet drop-tail device queue, netsim's default link queue.
//
// Per run, one line each:
//   settings: the qdisc's attributes in force, and the sender socket's TCP attributes
//   ping: sent, received, mean and max RTT (s) of the echoes that came back
//   bulk: bytes acknowledged, established and last-ack times, goodput (bytes acknowledged x 8
//         over last new-data ACK - establishment, netsim's tcp.goodput_bps), retransmissions,
//         timeouts, fast retransmits
//   bottleneck: the r1 -> r2 queue disc's drops (total, and by reason), device queue drops,
//         the largest queue disc backlog (packets)
// Global ns-3 attributes may be given on the command line (--ns3::TcpSocketBase::Sack=false).
// tools/validation/ns3-aqm.sh copies this file into ns-3's scratch/ and runs it.

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

using namespace ns3;

namespace
{

uint64_t g_maxBytes = 25000000;

// Ping.
std::map<uint64_t, Time> g_pingSent;
uint64_t g_pingTx = 0;
uint64_t g_pingRx = 0;
double g_rttSum = 0;
double g_rttMax = 0;

void
PingTx(Ptr<const Packet> p, const Address&, const Address&)
{
    ++g_pingTx;
    g_pingSent[p->GetUid()] = Simulator::Now();
}

void
PingRx(Ptr<const Packet> p)
{
    auto it = g_pingSent.find(p->GetUid());
    if (it == g_pingSent.end())
    {
        return;
    }
    double rtt = (Simulator::Now() - it->second).GetSeconds();
    g_pingSent.erase(it);
    ++g_pingRx;
    g_rttSum += rtt;
    g_rttMax = std::max(g_rttMax, rtt);
}

// Bulk sender.
double g_established = -1;
double g_lastProgress = -1;
uint64_t g_acked = 0;
uint64_t g_retx = 0;
uint64_t g_timeouts = 0;
uint64_t g_recoveries = 0;

void
State(TcpSocket::TcpStates_t, TcpSocket::TcpStates_t newv)
{
    if (newv == TcpSocket::ESTABLISHED && g_established < 0)
    {
        g_established = Simulator::Now().GetSeconds();
    }
}

void
HighAck(SequenceNumber32 oldv, SequenceNumber32 newv)
{
    // Sequence 0 is the SYN: data byte i is i + 1, the FIN maxBytes + 1.
    uint64_t acked = std::min<uint64_t>(newv.GetValue() > 0 ? newv.GetValue() - 1 : 0, g_maxBytes);
    if (acked > g_acked)
    {
        g_acked = acked;
        g_lastProgress = Simulator::Now().GetSeconds();
    }
}

void
Retx(Ptr<const Packet>,
     const TcpHeader&,
     const Address&,
     const Address&,
     Ptr<const TcpSocketBase>)
{
    ++g_retx;
}

void
RtoChange(Time oldv, Time newv)
{
    // ReTxTimeout doubles m_rto (up to 60 s); nothing else doubles it exactly.
    if (newv == oldv + oldv || (newv == Seconds(60) && oldv + oldv > Seconds(60)))
    {
        ++g_timeouts;
    }
}

void
CongState(TcpSocketState::TcpCongState_t oldv, TcpSocketState::TcpCongState_t newv)
{
    if (newv == TcpSocketState::CA_RECOVERY && oldv != TcpSocketState::CA_RECOVERY)
    {
        ++g_recoveries;
    }
}

std::string g_tcpDesc;

void
Hook(Ptr<Application> app)
{
    Ptr<Socket> s = DynamicCast<BulkSendApplication>(app)->GetSocket();
    NS_ABORT_MSG_IF(!s, "no sender socket yet");
    s->TraceConnectWithoutContext("State", MakeCallback(&State));
    s->TraceConnectWithoutContext("HighestRxAck", MakeCallback(&HighAck));
    s->TraceConnectWithoutContext("Retransmission", MakeCallback(&Retx));
    s->TraceConnectWithoutContext("RTO", MakeCallback(&RtoChange));
    s->TraceConnectWithoutContext("CongState", MakeCallback(&CongState));
    Ptr<TcpSocketBase> t = DynamicCast<TcpSocketBase>(s);
    BooleanValue sack, ts, lt, nodelay;
    UintegerValue iw, dac, seg, snd, rcv;
    TimeValue minRto, dat, cto;
    PointerValue rec;
    t->GetAttribute("Sack", sack);
    t->GetAttribute("Timestamp", ts);
    t->GetAttribute("LimitedTransmit", lt);
    t->GetAttribute("TcpNoDelay", nodelay);
    t->GetAttribute("InitialCwnd", iw);
    t->GetAttribute("DelAckCount", dac);
    t->GetAttribute("DelAckTimeout", dat);
    t->GetAttribute("SegmentSize", seg);
    t->GetAttribute("SndBufSize", snd);
    t->GetAttribute("RcvBufSize", rcv);
    t->GetAttribute("MinRto", minRto);
    t->GetAttribute("ConnTimeout", cto);
    t->GetAttribute("RecoveryOps", rec);
    char buf[512];
    std::snprintf(buf,
                  sizeof buf,
                  "sack=%d timestamp=%d limited_tx=%d nodelay=%d initial_cwnd=%u delack_count=%u "
                  "delack_timeout_s=%g seg=%u sndbuf=%u rcvbuf=%u min_rto_s=%g conn_timeout_s=%g "
                  "recovery=%s",
                  sack.Get(),
                  ts.Get(),
                  lt.Get(),
                  nodelay.Get(),
                  (unsigned)iw.Get(),
                  (unsigned)dac.Get(),
                  dat.Get().GetSeconds(),
                  (unsigned)seg.Get(),
                  (unsigned)snd.Get(),
                  (unsigned)rcv.Get(),
                  minRto.Get().GetSeconds(),
                  cto.Get().GetSeconds(),
                  rec.Get<Object>() ? rec.Get<Object>()->GetInstanceTypeId().GetName().c_str()
                                    : "null");
    g_tcpDesc = buf;
}

// Bottleneck.
uint64_t g_devDrops = 0;
uint32_t g_maxBacklog = 0;

void
DevDrop(Ptr<const Packet>)
{
    ++g_devDrops;
}

void
Backlog(uint32_t, uint32_t newv)
{
    g_maxBacklog = std::max(g_maxBacklog, newv);
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string qdisc = "pfifo";
    uint32_t limit = 1000;
    uint32_t devQueue = 1;
    uint32_t segSize = 1460;
    uint32_t buf = 16777216;
    double duration = 30;
    uint32_t seed = 1;
    uint64_t run = 1;

    CommandLine cmd(__FILE__);
    cmd.AddValue("qdisc", "pfifo, red, codel, fq_codel or pie", qdisc);
    cmd.AddValue("limit", "bottleneck queue disc limit, packets", limit);
    cmd.AddValue("devQueue", "bottleneck device queue, packets", devQueue);
    cmd.AddValue("maxBytes", "bulk bytes", g_maxBytes);
    cmd.AddValue("segSize", "TcpSocket::SegmentSize", segSize);
    cmd.AddValue("buf", "TcpSocket::SndBufSize and RcvBufSize", buf);
    cmd.AddValue("duration", "seconds", duration);
    cmd.AddValue("seed", "RngSeedManager seed", seed);
    cmd.AddValue("run", "RngSeedManager run", run);
    cmd.Parse(argc, argv);

    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);

    Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TcpNewReno::GetTypeId()));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(segSize));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(buf));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(buf));

    NodeContainer hosts; // a, b, c, d
    hosts.Create(4);
    NodeContainer routers; // r1, r2
    routers.Create(2);
    InternetStackHelper stack;
    stack.InstallAll();

    const std::string lim = std::to_string(limit) + "p";
    PointToPointHelper acc;
    acc.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    acc.SetChannelAttribute("Delay", StringValue("1ms"));
    acc.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", QueueSizeValue(QueueSize(lim)));
    PointToPointHelper bot;
    bot.SetDeviceAttribute("DataRate", StringValue("10Mbps"));
    bot.SetChannelAttribute("Delay", StringValue("10ms"));
    bot.SetQueue("ns3::DropTailQueue<Packet>",
                 "MaxSize",
                 QueueSizeValue(QueueSize(std::to_string(devQueue) + "p")));

    Ipv4AddressHelper address;
    TrafficControlHelper none;
    Ipv4InterfaceContainer bIf;
    Ipv4InterfaceContainer dIf;
    struct L
    {
        Ptr<Node> x;
        Ptr<Node> y;
        const char* net;
    };
    const L access[] = {{hosts.Get(0), routers.Get(0), "10.1.1.0"},
                        {hosts.Get(2), routers.Get(0), "10.1.2.0"},
                        {routers.Get(1), hosts.Get(1), "10.3.1.0"},
                        {routers.Get(1), hosts.Get(3), "10.3.2.0"}};
    for (const L& l : access)
    {
        NetDeviceContainer devs = acc.Install(l.x, l.y);
        address.SetBase(l.net, "255.255.255.0");
        Ipv4InterfaceContainer ifs = address.Assign(devs);
        none.Uninstall(devs);
        if (l.y == hosts.Get(1))
        {
            bIf = ifs;
        }
        if (l.y == hosts.Get(3))
        {
            dIf = ifs;
        }
    }
    NetDeviceContainer bottle = bot.Install(routers.Get(0), routers.Get(1));
    address.SetBase("10.2.1.0", "255.255.255.0");
    address.Assign(bottle);
    none.Uninstall(bottle);

    TrafficControlHelper tch;
    if (qdisc == "pfifo")
    {
        tch.SetRootQueueDisc("ns3::FifoQueueDisc", "MaxSize", QueueSizeValue(QueueSize(lim)));
    }
    else if (qdisc == "red")
    {
        // ns-3's defaults (MinTh 5, MaxTh 15, QW 0.002, LInterm 50 = max_p 1/50, Gentle, Wait),
        // but the idle-time decay counted as netsim counts it: 1500-byte packets at the link's
        // 10 Mbps (ns-3's defaults, MeanPktSize 500 at LinkBandwidth 1.5 Mbps, decay 2.2 times
        // slower).
        tch.SetRootQueueDisc("ns3::RedQueueDisc",
                             "MaxSize",
                             QueueSizeValue(QueueSize(lim)),
                             "LinkBandwidth",
                             DataRateValue(DataRate("10Mbps")),
                             "LinkDelay",
                             TimeValue(MilliSeconds(10)),
                             "MeanPktSize",
                             UintegerValue(1500));
    }
    else if (qdisc == "codel")
    {
        // Target 5 ms, Interval 100 ms, MinBytes 1500: ns-3's defaults, RFC 8289's and netsim's.
        tch.SetRootQueueDisc("ns3::CoDelQueueDisc", "MaxSize", QueueSizeValue(QueueSize(lim)));
    }
    else if (qdisc == "fq_codel")
    {
        // 1024 flows, CoDel 5 ms / 100 ms; ns-3's quantum is the device MTU (1500; netsim 1514).
        tch.SetRootQueueDisc("ns3::FqCoDelQueueDisc", "MaxSize", QueueSizeValue(QueueSize(lim)));
    }
    else if (qdisc == "pie")
    {
        // Target (QueueDelayReference) 15 ms, Tupdate 15 ms, A 0.125, B 1.25, MaxBurstAllowance
        // 150 ms: ns-3's defaults, RFC 8033's and netsim's. The queue delay is taken from
        // timestamps (UseDequeueRateEstimator false, the default), as netsim does.
        tch.SetRootQueueDisc("ns3::PieQueueDisc", "MaxSize", QueueSizeValue(QueueSize(lim)));
    }
    else
    {
        NS_ABORT_MSG("unknown --qdisc " << qdisc);
    }
    QueueDiscContainer qdiscs = tch.Install(bottle);
    Ptr<QueueDisc> q = qdiscs.Get(0);

    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    const uint16_t port = 80;
    BulkSendHelper source("ns3::TcpSocketFactory", InetSocketAddress(bIf.GetAddress(1), port));
    source.SetAttribute("MaxBytes", UintegerValue(g_maxBytes));
    source.SetAttribute("SendSize", UintegerValue(segSize));
    ApplicationContainer src = source.Install(hosts.Get(0));
    src.Start(Seconds(0));
    PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
    ApplicationContainer snk = sink.Install(hosts.Get(1));
    snk.Start(Seconds(0));
    Simulator::Schedule(NanoSeconds(1), &Hook, src.Get(0));

    UdpEchoServerHelper echoServer(7);
    ApplicationContainer srv = echoServer.Install(hosts.Get(3));
    srv.Start(Seconds(0));
    UdpEchoClientHelper echo(dIf.GetAddress(1), 7);
    echo.SetAttribute("MaxPackets", UintegerValue(250));
    echo.SetAttribute("Interval", TimeValue(MilliSeconds(100)));
    echo.SetAttribute("PacketSize", UintegerValue(56));
    ApplicationContainer cli = echo.Install(hosts.Get(2));
    cli.Start(Seconds(0));
    cli.Get(0)->TraceConnectWithoutContext("TxWithAddresses", MakeCallback(&PingTx));
    cli.Get(0)->TraceConnectWithoutContext("Rx", MakeCallback(&PingRx));

    Ptr<PointToPointNetDevice> dev = DynamicCast<PointToPointNetDevice>(bottle.Get(0));
    dev->GetQueue()->TraceConnectWithoutContext("Drop", MakeCallback(&DevDrop));
    dev->TraceConnectWithoutContext("MacTxDrop", MakeCallback(&DevDrop));
    q->TraceConnectWithoutContext("PacketsInQueue", MakeCallback(&Backlog));

    Simulator::Stop(Seconds(duration));
    Simulator::Run();

    std::printf("settings: qdisc=%s limit=%u dev_queue=%u seed=%u run=%" PRIu64 " qdisc_type=%s "
                "tcp: %s\n",
                qdisc.c_str(),
                limit,
                devQueue,
                seed,
                run,
                q->GetInstanceTypeId().GetName().c_str(),
                g_tcpDesc.c_str());
    std::printf("ping: sent=%" PRIu64 " received=%" PRIu64 " rtt_mean_s=%.6f rtt_max_s=%.6f\n",
                g_pingTx,
                g_pingRx,
                g_pingRx ? g_rttSum / g_pingRx : 0.0,
                g_rttMax);
    double span = g_lastProgress - g_established;
    std::printf("bulk: acked_bytes=%" PRIu64 " established_s=%.6f last_ack_s=%.6f goodput_bps=%.0f "
                "retx=%" PRIu64 " timeouts=%" PRIu64 " fast_retransmits=%" PRIu64 "\n",
                g_acked,
                g_established,
                g_lastProgress,
                span > 0 ? g_acked * 8.0 / span : 0.0,
                g_retx,
                g_timeouts,
                g_recoveries);
    const QueueDisc::Stats& st = q->GetStats();
    std::string reasons;
    for (const auto& [why, n] : st.nDroppedPacketsBeforeEnqueue)
    {
        std::string w = why;
        std::replace(w.begin(), w.end(), ' ', '_');
        reasons += " before:" + w + "=" + std::to_string(n);
    }
    for (const auto& [why, n] : st.nDroppedPacketsAfterDequeue)
    {
        std::string w = why;
        std::replace(w.begin(), w.end(), ' ', '_');
        reasons += " after:" + w + "=" + std::to_string(n);
    }
    std::printf("bottleneck: drops=%u device_drops=%" PRIu64 " max_backlog_p=%u reasons:%s\n",
                st.nTotalDroppedPackets,
                g_devDrops,
                g_maxBacklog,
                reasons.c_str());
    Simulator::Destroy();
    return 0;
}
