// Cross-validation program for netsim's DCTCP (RFC 8257) and ECN marking (copied into ns-3's
// scratch/): the set-up of netsim's docs/validation/dctcp.json.
//
//   s1 --1Gbps/100us--+
//   s2 --1Gbps/100us--+-- sw --100Mbps/100us-- r
//   ...               |
//
// --senders (2) ns3::TcpDctcp bulk uploads (BulkSend, unlimited) from s1..sN to one PacketSink
// per sender on r, sender i started at the i-th of --startsUs (microseconds, comma-separated;
// missing ones 0: the scripts draw them from the seed, the same for both simulators). The run
// lasts --stop (5 s); rates, the queue and the marks are measured over [--from, --stop] (1 s to
// 5 s).
//
// The bottleneck sw -> r runs RedQueueDisc as DCTCP's step marker (RFC 8257 §3.1): QW = 1 (the
// average is the instantaneous queue), MinTh = MaxTh = --K packets, Gentle false (so every
// arrival that finds K or more packets in the queue disc is a "forced" mark: with Gentle on, as
// ns-3's documentation configures it, arrivals finding K to 2K - 1 packets are marked only with
// a probability rising from 1/LInterm), UseEcn true, UseHardDrop false (forced marks are marks,
// not drops), LinkBandwidth/LinkDelay the link's, MeanPktSize 1500, MaxSize --limit (1000)
// packets. The point-to-point device queue under it holds --devQueue packets (1): flow control
// stops the queue disc while it is full, so it adds at most one waiting packet to the one in
// transmission (ns-3's RED counts only the packets in the queue disc: a packet is marked when
// K packets wait in the queue disc, that is K + 1 when the device queue holds one). Every other
// device has a 1000-packet drop-tail queue and no queue disc (netsim's default link queue).
//
// Per run, one line each:
//   settings: the run's parameters, the RED attributes in force, and sender 0's TCP attributes
//   flowI: bytes acknowledged in the window, goodput (bytes acknowledged in the window x 8 over
//          its length, netsim's tcp.goodput_bps under `measure`), whole-run retransmissions,
//          timeouts (CA_LOSS entries), fast recoveries (CA_RECOVERY entries) and ECN window
//          reductions (CA_CWR entries), the smallest cwnd (bytes) the flow had
//   window: jain (Jain's index of the flows' goodputs), utilisation (bits whose transmission on
//          sw -> r began in the window, PPP header included, over 100 Mbps x window length),
//          queue mean and max (packets waiting: queue disc plus device queue, not the one in
//          transmission; sampled every --sample, samples at from < t <= stop), marks in the
//          window
//   bottleneck: whole-run marks (forced, unforced), drops, device-queue drops, largest backlog
// Global ns-3 attributes may be given on the command line (--ns3::TcpSocketBase::Sack=false).
// tools/validation/ns3-dctcp.sh copies this file into ns-3's scratch/ and runs it.

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

using namespace ns3;

namespace
{

// TcpDctcp with Linux's and RFC 8257's floor on the window after an ECN reduction: two segments
// (Linux's dctcp_ssthresh returns max(cwnd - cwnd * alpha / 2, 2)). ns-3's TcpDctcp::GetSsThresh
// returns (1 - alpha / 2) * cwnd with no floor. Chosen with --floor=true (the check in
// docs/validation.md); TcpDctcp itself otherwise.
class TcpDctcpFloor : public TcpDctcp
{
  public:
    static TypeId GetTypeId()
    {
        static TypeId tid = TypeId("ns3::TcpDctcpFloor")
                                .SetParent<TcpDctcp>()
                                .AddConstructor<TcpDctcpFloor>()
                                .SetGroupName("Internet");
        return tid;
    }

    std::string GetName() const override
    {
        return "TcpDctcpFloor";
    }

    uint32_t GetSsThresh(Ptr<const TcpSocketState> tcb, uint32_t bytesInFlight) override
    {
        return std::max(TcpDctcp::GetSsThresh(tcb, bytesInFlight), 2 * tcb->m_segmentSize);
    }

    Ptr<TcpCongestionOps> Fork() override
    {
        return CopyObject<TcpDctcpFloor>(this);
    }
};

struct Flow
{
    uint64_t acked = 0;    // highest data byte acknowledged
    uint64_t ackedAtFrom = 0;
    uint64_t retx = 0;
    uint64_t timeouts = 0;
    uint64_t recoveries = 0;
    uint64_t cwrs = 0;
    uint32_t minCwnd = UINT32_MAX; // smallest cwnd (bytes) once the flow was established
};

std::vector<Flow> g_flows;
std::string g_tcpDesc;

void
HighAck(uint32_t i, SequenceNumber32, SequenceNumber32 newv)
{
    // Sequence 0 is the SYN: data byte k is k + 1.
    uint64_t acked = newv.GetValue() > 0 ? newv.GetValue() - 1 : 0;
    g_flows[i].acked = std::max(g_flows[i].acked, acked);
}

void
Retx(uint32_t i,
     Ptr<const Packet>,
     const TcpHeader&,
     const Address&,
     const Address&,
     Ptr<const TcpSocketBase>)
{
    ++g_flows[i].retx;
}

void
CongState(uint32_t i, TcpSocketState::TcpCongState_t oldv, TcpSocketState::TcpCongState_t newv)
{
    if (newv == oldv)
    {
        return;
    }
    if (newv == TcpSocketState::CA_LOSS)
    {
        ++g_flows[i].timeouts;
    }
    else if (newv == TcpSocketState::CA_RECOVERY)
    {
        ++g_flows[i].recoveries;
    }
    else if (newv == TcpSocketState::CA_CWR)
    {
        ++g_flows[i].cwrs;
    }
}

void
Cwnd(uint32_t i, uint32_t, uint32_t newv)
{
    g_flows[i].minCwnd = std::min(g_flows[i].minCwnd, newv);
}

void
Hook(Ptr<Application> app, uint32_t i)
{
    Ptr<Socket> s = DynamicCast<BulkSendApplication>(app)->GetSocket();
    NS_ABORT_MSG_IF(!s, "no sender socket yet");
    s->TraceConnectWithoutContext("HighestRxAck", MakeBoundCallback(&HighAck, i));
    s->TraceConnectWithoutContext("Retransmission", MakeBoundCallback(&Retx, i));
    s->TraceConnectWithoutContext("CongState", MakeBoundCallback(&CongState, i));
    s->TraceConnectWithoutContext("CongestionWindow", MakeBoundCallback(&Cwnd, i));
    if (i != 0)
    {
        return;
    }
    Ptr<TcpSocketBase> t = DynamicCast<TcpSocketBase>(s);
    BooleanValue sack, ts, lt, nodelay;
    UintegerValue iw, dac, seg, snd, rcv;
    TimeValue minRto, dat;
    PointerValue rec, cc;
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
    t->GetAttribute("RecoveryOps", rec);
    t->GetAttribute("CongestionOps", cc);
    std::string dctcp;
    if (Ptr<TcpDctcp> d = DynamicCast<TcpDctcp>(cc.Get<Object>()))
    {
        DoubleValue g;
        BooleanValue ect0;
        d->GetAttribute("DctcpShiftG", g);
        d->GetAttribute("UseEct0", ect0);
        dctcp = " g=" + std::to_string(g.Get()) + " ect0=" + std::to_string(ect0.Get());
    }
    char buf[640];
    std::snprintf(buf,
                  sizeof buf,
                  "cc=%s%s sack=%d timestamp=%d limited_tx=%d nodelay=%d initial_cwnd=%u "
                  "delack_count=%u delack_timeout_s=%g seg=%u sndbuf=%u rcvbuf=%u min_rto_s=%g "
                  "recovery=%s",
                  cc.Get<Object>() ? cc.Get<Object>()->GetInstanceTypeId().GetName().c_str()
                                   : "null",
                  dctcp.c_str(),
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
                  rec.Get<Object>() ? rec.Get<Object>()->GetInstanceTypeId().GetName().c_str()
                                    : "null");
    g_tcpDesc = buf;
}

// Bottleneck.
Ptr<QueueDisc> g_q;
Ptr<Queue<Packet>> g_devQ;
double g_from = 1;
uint64_t g_txBitsWindow = 0;
uint64_t g_devDrops = 0;
uint32_t g_maxBacklog = 0;
uint64_t g_samples = 0;
double g_queueSum = 0;
uint32_t g_queueMax = 0;
uint64_t g_marksAtFrom = 0;

uint64_t
Marks()
{
    const QueueDisc::Stats& st = g_q->GetStats();
    return st.GetNMarkedPackets(RedQueueDisc::FORCED_MARK) +
           st.GetNMarkedPackets(RedQueueDisc::UNFORCED_MARK);
}

void
TxBegin(Ptr<const Packet> p)
{
    if (Simulator::Now().GetSeconds() >= g_from)
    {
        g_txBitsWindow += p->GetSize() * 8;
    }
}

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

void
Sample()
{
    uint32_t n = g_q->GetNPackets() + g_devQ->GetNPackets();
    ++g_samples;
    g_queueSum += n;
    g_queueMax = std::max(g_queueMax, n);
}

void
WindowStart()
{
    for (Flow& f : g_flows)
    {
        f.ackedAtFrom = f.acked;
    }
    g_marksAtFrom = Marks();
}

} // namespace

int
main(int argc, char* argv[])
{
    uint32_t senders = 2;
    uint32_t k = 20;
    bool gentle = false;
    uint32_t limit = 1000;
    uint32_t devQueue = 1;
    std::string rate = "100Mbps";
    std::string accessRate = "1Gbps";
    std::string delay = "100us";
    uint32_t segSize = 1448;
    uint32_t buf = 4194304;
    double stop = 5;
    double sampleMs = 1;
    uint32_t seed = 1;
    uint64_t run = 1;
    std::string startsUs;
    bool floor = false;

    CommandLine cmd(__FILE__);
    cmd.AddValue("senders", "number of DCTCP senders", senders);
    cmd.AddValue("K", "marking threshold, packets (RED MinTh = MaxTh)", k);
    cmd.AddValue("gentle", "RED Gentle (false: a step at K)", gentle);
    cmd.AddValue("limit", "bottleneck queue disc limit, packets", limit);
    cmd.AddValue("devQueue", "bottleneck device queue, packets", devQueue);
    cmd.AddValue("rate", "bottleneck rate", rate);
    cmd.AddValue("accessRate", "sender link rate", accessRate);
    cmd.AddValue("delay", "every link's delay", delay);
    cmd.AddValue("segSize", "TcpSocket::SegmentSize", segSize);
    cmd.AddValue("buf", "TcpSocket::SndBufSize and RcvBufSize", buf);
    cmd.AddValue("from", "window start, s", g_from);
    cmd.AddValue("stop", "run length and window end, s", stop);
    cmd.AddValue("sampleMs", "queue sample interval, ms", sampleMs);
    cmd.AddValue("seed", "RngSeedManager seed", seed);
    cmd.AddValue("run", "RngSeedManager run", run);
    cmd.AddValue("floor", "TcpDctcpFloor: ECN reductions stop at two segments", floor);
    cmd.AddValue("startsUs", "senders' start times, us, comma-separated", startsUs);

    // TCP: DCTCP over 1448-byte segments (with timestamps, 1500-byte IP packets), ten-segment
    // initial window, an ACK every second segment or 200 ms, min RTO 200 ms (Linux's), 4 MB
    // buffers. SACK, timestamps, PRR and limited transmit are ns-3's defaults. The command line
    // (parsed after) may override any of these.
    Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TcpDctcp::GetTypeId()));
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
    Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(200)));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));
    Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(true));
    cmd.Parse(argc, argv);

    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);
    if (floor)
    {
        Config::SetDefault("ns3::TcpL4Protocol::SocketType",
                           TypeIdValue(TcpDctcpFloor::GetTypeId()));
    }
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(segSize));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(buf));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(buf));

    NodeContainer snd;
    snd.Create(senders);
    Ptr<Node> sw = CreateObject<Node>();
    Ptr<Node> rcv = CreateObject<Node>();
    InternetStackHelper stack;
    stack.InstallAll();

    PointToPointHelper acc;
    acc.SetDeviceAttribute("DataRate", StringValue(accessRate));
    acc.SetChannelAttribute("Delay", StringValue(delay));
    acc.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", QueueSizeValue(QueueSize("1000p")));
    PointToPointHelper bot;
    bot.SetDeviceAttribute("DataRate", StringValue(rate));
    bot.SetChannelAttribute("Delay", StringValue(delay));
    bot.SetQueue("ns3::DropTailQueue<Packet>",
                 "MaxSize",
                 QueueSizeValue(QueueSize(std::to_string(devQueue) + "p")));

    Ipv4AddressHelper address;
    TrafficControlHelper none;
    for (uint32_t i = 0; i < senders; ++i)
    {
        NetDeviceContainer devs = acc.Install(snd.Get(i), sw);
        address.SetBase(("10.1." + std::to_string(i + 1) + ".0").c_str(), "255.255.255.0");
        address.Assign(devs);
        none.Uninstall(devs);
    }
    NetDeviceContainer bottle = bot.Install(sw, rcv);
    address.SetBase("10.2.1.0", "255.255.255.0");
    Ipv4InterfaceContainer rIf = address.Assign(bottle);
    none.Uninstall(bottle);

    TrafficControlHelper tch;
    tch.SetRootQueueDisc("ns3::RedQueueDisc",
                         "MaxSize",
                         QueueSizeValue(QueueSize(std::to_string(limit) + "p")),
                         "MinTh",
                         DoubleValue(k),
                         "MaxTh",
                         DoubleValue(k),
                         "QW",
                         DoubleValue(1),
                         "Gentle",
                         BooleanValue(gentle),
                         "UseEcn",
                         BooleanValue(true),
                         "UseHardDrop",
                         BooleanValue(false),
                         "MeanPktSize",
                         UintegerValue(1500),
                         "LinkBandwidth",
                         DataRateValue(DataRate(rate)),
                         "LinkDelay",
                         TimeValue(Time(delay)));
    QueueDiscContainer qdiscs = tch.Install(bottle.Get(0));
    g_q = qdiscs.Get(0);

    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    std::vector<int64_t> starts(senders, 0);
    {
        std::size_t pos = 0;
        for (uint32_t i = 0; i < senders && pos < startsUs.size(); ++i)
        {
            std::size_t end = startsUs.find(',', pos);
            starts[i] = std::stoll(startsUs.substr(pos, end - pos));
            pos = end == std::string::npos ? startsUs.size() : end + 1;
        }
    }
    g_flows.resize(senders);
    for (uint32_t i = 0; i < senders; ++i)
    {
        const uint16_t port = 5000 + i;
        BulkSendHelper source("ns3::TcpSocketFactory",
                              InetSocketAddress(rIf.GetAddress(1), port));
        source.SetAttribute("MaxBytes", UintegerValue(0));
        source.SetAttribute("SendSize", UintegerValue(segSize));
        ApplicationContainer src = source.Install(snd.Get(i));
        src.Start(MicroSeconds(starts[i]));
        PacketSinkHelper sink("ns3::TcpSocketFactory",
                              InetSocketAddress(Ipv4Address::GetAny(), port));
        ApplicationContainer snk = sink.Install(rcv);
        snk.Start(Seconds(0));
        Simulator::Schedule(MicroSeconds(starts[i]) + NanoSeconds(1), &Hook, src.Get(0), i);
    }

    Ptr<PointToPointNetDevice> dev = DynamicCast<PointToPointNetDevice>(bottle.Get(0));
    g_devQ = dev->GetQueue();
    g_devQ->TraceConnectWithoutContext("Drop", MakeCallback(&DevDrop));
    dev->TraceConnectWithoutContext("MacTxDrop", MakeCallback(&DevDrop));
    dev->TraceConnectWithoutContext("PhyTxBegin", MakeCallback(&TxBegin));
    g_q->TraceConnectWithoutContext("PacketsInQueue", MakeCallback(&Backlog));

    Simulator::Schedule(Seconds(g_from), &WindowStart);
    const Time step = MicroSeconds(static_cast<int64_t>(sampleMs * 1000));
    for (Time t = Seconds(g_from) + step; t <= Seconds(stop); t += step)
    {
        Simulator::Schedule(t, &Sample);
    }

    // Stop just after the window's end so the last sample (at stop) is taken.
    Simulator::Stop(Seconds(stop) + NanoSeconds(1));
    Simulator::Run();

    RedQueueDisc* red = dynamic_cast<RedQueueDisc*>(PeekPointer(g_q));
    DoubleValue minTh, maxTh, qw;
    BooleanValue gen, ecn, hard, wait;
    red->GetAttribute("MinTh", minTh);
    red->GetAttribute("MaxTh", maxTh);
    red->GetAttribute("QW", qw);
    red->GetAttribute("Gentle", gen);
    red->GetAttribute("UseEcn", ecn);
    red->GetAttribute("UseHardDrop", hard);
    red->GetAttribute("Wait", wait);
    std::printf("settings: starts_us=%s senders=%u K=%u limit=%u dev_queue=%u rate=%s delay=%s from_s=%g "
                "stop_s=%g seed=%u run=%" PRIu64 " red: min_th=%g max_th=%g qw=%g gentle=%d "
                "ecn=%d hard_drop=%d wait=%d tcp: %s\n",
                startsUs.c_str(),
                senders,
                k,
                limit,
                devQueue,
                rate.c_str(),
                delay.c_str(),
                g_from,
                stop,
                seed,
                run,
                minTh.Get(),
                maxTh.Get(),
                qw.Get(),
                gen.Get(),
                ecn.Get(),
                hard.Get(),
                wait.Get(),
                g_tcpDesc.c_str());
    const double span = stop - g_from;
    double sum = 0;
    double sumSq = 0;
    for (uint32_t i = 0; i < senders; ++i)
    {
        const Flow& f = g_flows[i];
        double gp = (f.acked - f.ackedAtFrom) * 8.0 / span;
        sum += gp;
        sumSq += gp * gp;
        std::printf("flow%u: window_bytes=%" PRIu64 " goodput_bps=%.0f retx=%" PRIu64
                    " timeouts=%" PRIu64 " fast_recoveries=%" PRIu64 " ecn_reductions=%" PRIu64
                    " min_cwnd_bytes=%u\n",
                    i,
                    f.acked - f.ackedAtFrom,
                    gp,
                    f.retx,
                    f.timeouts,
                    f.recoveries,
                    f.cwrs,
                    f.minCwnd);
    }
    std::printf("window: jain=%.6f utilisation=%.6f queue_mean_p=%.4f queue_max_p=%u samples=%" PRIu64
                " marks=%" PRIu64 "\n",
                sumSq > 0 ? sum * sum / (senders * sumSq) : 0.0,
                g_txBitsWindow / (DataRate(rate).GetBitRate() * span),
                g_samples ? g_queueSum / g_samples : 0.0,
                g_queueMax,
                g_samples,
                Marks() - g_marksAtFrom);
    const QueueDisc::Stats& st = g_q->GetStats();
    std::printf("bottleneck: marks_forced=%u marks_unforced=%u drops=%u device_drops=%" PRIu64
                " max_backlog_p=%u\n",
                st.GetNMarkedPackets(RedQueueDisc::FORCED_MARK),
                st.GetNMarkedPackets(RedQueueDisc::UNFORCED_MARK),
                st.nTotalDroppedPackets,
                g_devDrops,
                g_maxBacklog);
    Simulator::Destroy();
    return 0;
}
